package dev.sqlitebackup;

/** Thrown when a string given as a backup id cannot be one; it is never looked up. */
public class InvalidBackupIdException extends SqliteBackupException {

	public InvalidBackupIdException(String database) {
		super(database, null, "Malformed backup id");
	}

}
