package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/** Base of every failure the engine reports; carries the database and, where known, the backup id. */
public class SqliteBackupException extends RuntimeException {

	private final String database;

	private final @Nullable String backupId;

	public SqliteBackupException(String database, @Nullable String backupId, String message) {
		this(database, backupId, message, null);
	}

	public SqliteBackupException(String database, @Nullable String backupId, String message,
			@Nullable Throwable cause) {
		super(message, cause);
		this.database = database;
		this.backupId = backupId;
	}

	/** Name of the database the failed operation was about. */
	public String getDatabase() {
		return this.database;
	}

	/** Id of the backup the failed operation was about, or {@code null}. */
	public @Nullable String getBackupId() {
		return this.backupId;
	}

}
