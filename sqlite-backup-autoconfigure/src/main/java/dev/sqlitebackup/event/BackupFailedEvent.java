package dev.sqlitebackup.event;

import java.time.Duration;

import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.SqliteBackupTemplate;

/** Published after a backup failed; nothing of it was published. */
public class BackupFailedEvent extends SqliteBackupEvent {

	private final BackupTrigger trigger;

	private final Duration elapsed;

	private final Exception failure;

	public BackupFailedEvent(SqliteBackupTemplate source, String database, BackupTrigger trigger, Duration elapsed,
			Exception failure) {
		super(source, database);
		this.trigger = trigger;
		this.elapsed = elapsed;
		this.failure = failure;
	}

	/** Why the backup was attempted. */
	public BackupTrigger getTrigger() {
		return this.trigger;
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
