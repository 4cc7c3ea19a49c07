package dev.sqlitebackup;

/** Thrown when the store cannot say which backups a database has: an unreachable bucket, say. */
public class BackupListingException extends SqliteBackupException {

	public BackupListingException(String database, String message, Throwable cause) {
		super(database, null, message, cause);
	}

}
