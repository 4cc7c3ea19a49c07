package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/** Thrown when a backup could not be taken or stored; nothing of it is listed. */
public class BackupFailedException extends SqliteBackupException {

	public BackupFailedException(String database, @Nullable String backupId, String message,
			@Nullable Throwable cause) {
		super(database, backupId, message, cause);
	}

}
