package dev.sqlitebackup.engine;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Where the time of one operation went, phase by phase, for its log line: each {@link #end} closes
 * the phase that ran since the previous one. A phase that comes back (the copy into the live
 * database before and after the safety backup it makes room for) adds up under its name.
 */
public final class PhaseTimes {

	private final Map<String, Long> nanos = new LinkedHashMap<>();

	private long mark = System.nanoTime();

	/** Closes the phase that ran since the previous mark. */
	public synchronized void end(String phase) {
		long now = System.nanoTime();
		this.nanos.merge(phase, now - this.mark, Long::sum);
		this.mark = now;
	}

	/** Milliseconds spent in a phase so far, 0 when it never ran. */
	synchronized long millis(String phase) {
		return this.nanos.getOrDefault(phase, 0L) / 1_000_000;
	}

	/** Phases in the order they first ran, such as {@code "check 1210 ms, copy 2011 ms"}. */
	@Override
	public synchronized String toString() {
		StringJoiner joined = new StringJoiner(", ");
		this.nanos.forEach((phase, spent) -> joined.add(phase + " " + (spent / 1_000_000) + " ms"));
		return joined.toString();
	}

}
