package dev.sqlitebackup.continuous;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.Gap;

/**
 * The instants a capture records: what it stamps segments with (never going backwards), up to when
 * everything committed was shipped, why the last pass failed, and so which stretches before a
 * segment are gaps.
 */
final class CaptureTimeline {

	private final BackupOptions options;

	/** The newest instant a segment was stamped with. */
	private @Nullable Instant lastStamp;

	/** When a pass last found everything shipped; read without holding the database. */
	private volatile @Nullable Instant lastCaptureAt;

	/** Why the last pass failed, {@code null} when it succeeded; read without holding the database. */
	private volatile @Nullable String lastFailure;

	/** The chain's last point, when the next segment ships what was committed while no capture ran. */
	private @Nullable Instant resumedAfter;

	CaptureTimeline(BackupOptions options) {
		this.options = options;
	}

	/**
	 * The instant a segment is stamped with: the clock, but never before an instant stamped
	 * already, so that a clock stepped back (NTP, a resumed VM) cannot make a later segment look
	 * older. Until the clock catches up, segments keep the last instant.
	 */
	Instant stamp(Instant now) {
		Instant at = now.truncatedTo(ChronoUnit.MILLIS);
		Instant last = this.lastStamp;
		if (last != null && at.isBefore(last)) {
			at = last;
		}
		this.lastStamp = at;
		return at;
	}

	/** Segments from now on are stamped no earlier than this instant (a point the chain follows). */
	void notBefore(Instant instant) {
		if (this.lastStamp == null || this.lastStamp.isBefore(instant)) {
			this.lastStamp = instant;
		}
	}

	/** Everything committed until this instant is shipped ({@code null}: not known to be). */
	void shippedThrough(@Nullable Instant at) {
		Instant last = this.lastCaptureAt;
		if (at != null && (last == null || at.isAfter(last))) {
			this.lastCaptureAt = at;
		}
	}

	/** Up to when everything SQLite committed is in the store, {@code null} before the first pass. */
	@Nullable Instant lastCaptureAt() {
		return this.lastCaptureAt;
	}

	@Nullable String lastFailure() {
		return this.lastFailure;
	}

	void failed(@Nullable String failure) {
		this.lastFailure = failure;
	}

	/** The next segment ships what was committed since the chain's last point, while no capture ran. */
	void resumedAfter(@Nullable Instant lastPoint) {
		this.resumedAfter = lastPoint;
	}

	/**
	 * The stretch before a segment whose commits carry no instant of their own: after a resume, from
	 * the chain's last point; else one in which no pass found everything shipped for longer than the
	 * options allow (passes failed, or did not run). {@code null} when passes kept up.
	 */
	@Nullable Gap gapBefore(Instant observedAt, Instant capturedAt) {
		Instant resumed = this.resumedAfter;
		if (resumed != null) {
			this.resumedAfter = null;
			if (resumed.isBefore(capturedAt)) {
				return new Gap(resumed.truncatedTo(ChronoUnit.MILLIS), capturedAt, "commits made while no capture "
						+ "ran (the process that captured the chain stopped, or died before shipping them) were shipped "
						+ "only when capture resumed");
			}
		}
		Instant since = this.lastCaptureAt;
		if (since == null || !since.isBefore(capturedAt)
				|| Duration.between(since, observedAt).compareTo(this.options.maxPassSpacing()) <= 0) {
			return null;
		}
		String failure = this.lastFailure;
		String reason = (failure != null) ? "passes failed (" + failure + ")"
				: "no pass shipped for " + Duration.between(since, observedAt).toSeconds() + " s";
		return new Gap(since.truncatedTo(ChronoUnit.MILLIS), capturedAt, reason);
	}

}
