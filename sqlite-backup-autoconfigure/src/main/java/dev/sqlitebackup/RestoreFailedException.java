package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/** Thrown when a restore could not replace the live database, which is left as it was. */
public class RestoreFailedException extends SqliteBackupException {

	public RestoreFailedException(String database, String backupId, String message, @Nullable Throwable cause) {
		super(database, backupId, message, cause);
	}

}
