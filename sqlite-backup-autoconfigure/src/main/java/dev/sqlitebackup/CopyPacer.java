package dev.sqlitebackup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jspecify.annotations.Nullable;

/**
 * Holds a backup's disk writes to a rate: after every step of the copy it flushes what the step
 * wrote and sleeps until the rate allows the next one.
 * <p>
 * Sleeping alone would not help a latency-sensitive writer: the copy's pages would still pile up
 * in the page cache and reach the disk in one burst when SQLite syncs the copy at the end, which
 * is what stalled the writer's own fsyncs in the field notes. Flushing after each small step
 * spreads the write-back evenly, so the disk always has room for the writer. Steps are sized to
 * about {@value #STEPS_PER_SECOND} a second for the same reason.
 * <p>
 * The pauses happen inside SQLite's backup loop, on a source connection that holds its read
 * transaction, so they cannot let writers restart the copy.
 */
final class CopyPacer implements AutoCloseable {

	private static final int STEPS_PER_SECOND = 20;

	private static final int MIN_PAGES_PER_STEP = 16;

	private static final CopyPacer UNPACED = new CopyPacer(null, 0, 0);

	private final @Nullable FileChannel destination;

	private final long bytesPerSecond;

	private final int pageSize;

	private final long startNanos = System.nanoTime();

	private CopyPacer(@Nullable FileChannel destination, long bytesPerSecond, int pageSize) {
		this.destination = destination;
		this.bytesPerSecond = bytesPerSecond;
		this.pageSize = pageSize;
	}

	/** A pacer that does nothing: the copy runs at disk speed. */
	static CopyPacer unpaced() {
		return UNPACED;
	}

	/**
	 * A pacer for a copy into a file of SQLite's, or an unpaced one when there is no cap. The
	 * file is opened here, before SQLite opens it, and closed only after SQLite closed its own
	 * handle: closing a descriptor drops every POSIX lock the process holds on that file.
	 */
	static CopyPacer forFile(Path file, long bytesPerSecond, int pageSize) throws IOException {
		if (bytesPerSecond <= 0) {
			return UNPACED;
		}
		FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		return new CopyPacer(channel, bytesPerSecond, pageSize);
	}

	/** Pages per step: the configured step, or smaller so that each paced step is short. */
	int pagesPerStep(int configured) {
		if (this.destination == null) {
			return configured;
		}
		int paced = (int) Math.max(MIN_PAGES_PER_STEP,
				Math.min(Integer.MAX_VALUE, this.bytesPerSecond / STEPS_PER_SECOND / this.pageSize));
		return (configured < 0) ? paced : Math.min(configured, paced);
	}

	/** Called after each step with the pages copied so far: flushes them, then waits for the rate. */
	void afterStep(long pagesDone) {
		if (this.destination == null) {
			return;
		}
		try {
			this.destination.force(false);
		}
		catch (IOException ex) {
			// Only pacing suffers; SQLite syncs the copy itself when it commits.
		}
		long dueNanos = (long) (pagesDone * (double) this.pageSize / this.bytesPerSecond * 1e9);
		long aheadMillis = (dueNanos - (System.nanoTime() - this.startNanos)) / 1_000_000;
		if (aheadMillis > 0) {
			try {
				Thread.sleep(aheadMillis);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public void close() throws IOException {
		if (this.destination != null) {
			this.destination.close();
		}
	}

}
