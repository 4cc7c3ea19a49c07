package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What a restore of a missing database at startup did: restored it, found it present, or found
 * nothing in the store to restore it from.
 *
 * @param database name of the database
 * @param outcome what was done
 * @param file the database file, or {@code null} for an in-memory database
 * @param backupId the backup restored, or the snapshot the restored chain starts from; {@code null}
 * unless restored
 * @param point the point of a chain restored to, or {@code null} when a backup alone was restored
 * @param stateAt when the restored state was captured (the backup's time or the point's), or
 * {@code null} unless restored
 * @param bytes size of the restored database file, 0 unless restored
 * @param duration how long it took
 */
public record StartupRestoreResult(String database, Outcome outcome, @Nullable Path file, @Nullable String backupId,
		@Nullable ChainPoint point, @Nullable Instant stateAt, long bytes, Duration duration) {

	/** What a restore of a missing database at startup did. */
	public enum Outcome {

		/** The database was missing or empty and was restored from the store. */
		RESTORED,

		/** The database was there, not empty: it was left alone. */
		PRESENT,

		/** The database was missing or empty and the store holds nothing to restore it from. */
		NOTHING_STORED

	}

	/** Whether the database was restored. */
	public boolean restored() {
		return this.outcome == Outcome.RESTORED;
	}

}
