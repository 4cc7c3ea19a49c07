package dev.sqlitebackup;

import java.time.Instant;

/**
 * A stretch of time in which no capture of continuous backup ran (an outage, failed passes, a
 * restart), so that commits made then carry no instant of their own: a restore to an instant
 * inside it is refused rather than answered with the older state.
 *
 * @param from the last instant covered before it
 * @param to the first instant covered after it
 * @param reason why it is there
 */
public record Gap(Instant from, Instant to, String reason) {

	/** Whether the instant lies strictly inside. */
	public boolean contains(Instant instant) {
		return instant.isAfter(this.from) && instant.isBefore(this.to);
	}

}
