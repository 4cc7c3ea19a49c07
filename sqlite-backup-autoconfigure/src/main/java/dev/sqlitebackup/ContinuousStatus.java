package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * How continuous backup of one database stands.
 *
 * @param database name of the database
 * @param state whether it is starting, running or failing
 * @param lastCaptureAt up to when everything SQLite committed is in the store (the last pass that
 * found nothing left to ship); {@code null} before the first one
 * @param lastFailure why the last pass failed, {@code null} when it succeeded; what the capture waits
 * for in the states {@code AWAITING_RESTORE} and {@code STANDBY}
 * @param window the instants a restore can reach, its gaps and chains; {@code null} when there is none
 * or the store cannot say right now
 * @param backlogBytes bytes of WAL frames committed and not yet in the store when the last pass
 * read the WAL (what waits while the store cannot take them); {@code null} before any pass
 * @param lease the lease on the store as this process last saw it (its own, or the holder's while it
 * stands by); {@code null} when capture holds none
 */
public record ContinuousStatus(String database, State state, @Nullable Instant lastCaptureAt,
		@Nullable String lastFailure, @Nullable RestoreWindow window, @Nullable Long backlogBytes,
		@Nullable Lease lease) {

	/** A status without a lease. */
	public ContinuousStatus(String database, State state, @Nullable Instant lastCaptureAt, @Nullable String lastFailure,
			@Nullable RestoreWindow window, @Nullable Long backlogBytes) {
		this(database, state, lastCaptureAt, lastFailure, window, backlogBytes, null);
	}

	/** A status without word on the backlog. */
	public ContinuousStatus(String database, State state, @Nullable Instant lastCaptureAt, @Nullable String lastFailure,
			@Nullable RestoreWindow window) {
		this(database, state, lastCaptureAt, lastFailure, window, null);
	}

	/** The earliest instant a restore can go back to, {@code null} when there is none. */
	public @Nullable Instant windowFrom() {
		return (this.window != null) ? this.window.from() : null;
	}

	/** The latest instant covered, {@code null} when there is none. */
	public @Nullable Instant windowTo() {
		return (this.window != null) ? this.window.to() : null;
	}

	/**
	 * Age of the oldest commit not yet in the store, at most: the time since the last pass that
	 * found everything SQLite had committed shipped. An upper bound on what a crash now would lose.
	 */
	public @Nullable Duration lag(Instant now) {
		if (this.lastCaptureAt == null) {
			return null;
		}
		// A clock stepped back makes the last capture look later than now; nothing waits longer than nothing.
		Duration lag = Duration.between(this.lastCaptureAt, now);
		return lag.isNegative() ? Duration.ZERO : lag;
	}

	/** Where continuous backup of a database stands. */
	public enum State {

		/** No pass has succeeded yet. */
		STARTING,

		/** The last pass succeeded. */
		RUNNING,

		/** The last pass failed; the next ones retry. */
		FAILING,

		/**
		 * The database was new or empty at start while the store holds its history: no chain
		 * starts (it would bury that history) until a restore.
		 */
		AWAITING_RESTORE,

		/**
		 * Another process captures this database into the same store (its description is the
		 * status's {@code lastFailure}); this one captures nothing and takes over when it can.
		 */
		STANDBY;

		/** The state as the HTTP API and health name it: {@code running}, {@code awaiting-restore}, ... */
		public String label() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
