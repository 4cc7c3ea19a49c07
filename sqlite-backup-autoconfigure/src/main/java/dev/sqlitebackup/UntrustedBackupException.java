package dev.sqlitebackup;

/**
 * Thrown when a backup is refused because it cannot be authenticated while encryption is
 * configured: its manifest's MAC is wrong or missing its key, or it is not encrypted at all.
 */
public class UntrustedBackupException extends BackupVerificationException {

	public UntrustedBackupException(String database, String backupId, String message) {
		super(database, backupId, message);
	}

}
