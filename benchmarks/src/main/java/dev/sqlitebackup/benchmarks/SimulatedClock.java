package dev.sqlitebackup.benchmarks;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A UTC clock that stands still until the benchmark moves it on. */
final class SimulatedClock extends Clock {

	private volatile Instant now;

	SimulatedClock(Instant start) {
		this.now = start;
	}

	/** Moves the clock on; only the benchmark's loop does, so no two advances race. */
	void advance(Duration step) {
		this.now = this.now.plus(step);
	}

	@Override
	public Instant instant() {
		return this.now;
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		// The engine reads instants only, so a zone changes nothing it sees.
		return this;
	}

}
