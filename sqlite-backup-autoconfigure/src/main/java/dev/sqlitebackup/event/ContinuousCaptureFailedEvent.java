package dev.sqlitebackup.event;

import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Published when a pass of continuous backup failed; the WAL keeps the frames and the next pass
 * tries again.
 */
public class ContinuousCaptureFailedEvent extends SqliteBackupEvent {

	private final Exception failure;

	public ContinuousCaptureFailedEvent(SqliteBackupTemplate source, String database, Exception failure) {
		super(source, database);
		this.failure = failure;
	}

	/** What went wrong. */
	public Exception getFailure() {
		return this.failure;
	}

}
