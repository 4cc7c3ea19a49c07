package dev.sqlitebackup;

/** Continuous backup cannot cover a database: it is not a WAL-mode file database. */
public class ContinuousBackupUnavailableException extends SqliteBackupException {

	public ContinuousBackupUnavailableException(String database, String message) {
		super(database, null, message);
	}

}
