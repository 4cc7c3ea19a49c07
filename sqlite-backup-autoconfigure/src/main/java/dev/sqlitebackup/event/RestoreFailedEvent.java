package dev.sqlitebackup.event;

import java.time.Duration;

import dev.sqlitebackup.SqliteBackupTemplate;

/** Published after a restore failed; the live database is as it was before. */
public class RestoreFailedEvent extends SqliteBackupEvent {

	private final String backupId;

	private final Duration elapsed;

	private final Exception failure;

	public RestoreFailedEvent(SqliteBackupTemplate source, String database, String backupId, Duration elapsed,
			Exception failure) {
		super(source, database);
		this.backupId = backupId;
		this.elapsed = elapsed;
		this.failure = failure;
	}

	/** Id of the backup that was to be restored. */
	public String getBackupId() {
		return this.backupId;
	}

	/** How long the attempt took before it failed. */
	public Duration getElapsed() {
		return this.elapsed;
	}

	/** What went wrong. */
	public Exception getFailure() {
		return this.failure;
	}

}
