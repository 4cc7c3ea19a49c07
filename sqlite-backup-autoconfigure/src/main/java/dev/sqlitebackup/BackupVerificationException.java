package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/** Thrown when a backup file fails a check: header, size, SHA-256, page count or SQLite's own check. */
public class BackupVerificationException extends SqliteBackupException {

	public BackupVerificationException(String database, @Nullable String backupId, String message) {
		super(database, backupId, message);
	}

	public BackupVerificationException(String database, @Nullable String backupId, String message,
			@Nullable Throwable cause) {
		super(database, backupId, message, cause);
	}

}
