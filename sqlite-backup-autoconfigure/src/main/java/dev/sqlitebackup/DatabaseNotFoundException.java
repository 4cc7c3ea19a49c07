package dev.sqlitebackup;

/** Thrown when an operation names a database the template does not know. */
public class DatabaseNotFoundException extends SqliteBackupException {

	public DatabaseNotFoundException(String database) {
		super(database, null, "No SQLite database named '" + database + "'");
	}

}
