package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * How continuous backup of one database stands.
 *
 * @param database name of the database
 * @param state whether it is starting, running or failing
 * @param lastCaptureAt when a pass last succeeded; every transaction committed before it is in the
 * store. {@code null} before the first one
 * @param lastFailure why the last pass failed, {@code null} when it succeeded
 * @param windowFrom the earliest instant a restore can go back to, {@code null} when there is none
 * @param windowTo the latest captured instant, {@code null} when there is none
 */
public record ContinuousStatus(String database, State state, @Nullable Instant lastCaptureAt,
		@Nullable String lastFailure, @Nullable Instant windowFrom, @Nullable Instant windowTo) {

	/** How long ago the last pass succeeded: an upper bound on what a crash now would lose. */
	public @Nullable Duration lag(Instant now) {
		return (this.lastCaptureAt != null) ? Duration.between(this.lastCaptureAt, now) : null;
	}

	/** Where continuous backup of a database stands. */
	public enum State {

		/** No pass has succeeded yet. */
		STARTING,

		/** The last pass succeeded. */
		RUNNING,

		/** The last pass failed; the next ones retry. */
		FAILING

	}

}
