package dev.sqlitebackup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jspecify.annotations.Nullable;

/**
 * Spreads a backup's disk writes out: after every step of a copy into a file it flushes what the
 * step wrote and, when the write rate is capped, sleeps until the cap allows the next step.
 * <p>
 * Flushing is what protects the application's writers. Without it the copy's pages pile up in the
 * page cache and reach the disk in one burst when SQLite syncs the copy at the end; measured on
 * 256 MiB in WAL mode under a writer committing 200 small transactions a second, that burst made
 * the writer's worst commit 100–195 ms (its fsyncs queue behind it). Flushing every 16 MiB step
 * brought the worst commit to 8–36 ms at about the same backup time (the copy itself 10–20%
 * slower), so every copy to a file that holds no lock on the live database is flushed per step,
 * capped or not. A cap then sizes steps to about {@value #STEPS_PER_SECOND} a second, so that each
 * flush is short. See BENCHMARKS.md for the 1 GiB figures.
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
	 * A pacer for a copy into a file of SQLite's: flushing after every step, and held to
	 * {@code bytesPerSecond} unless that is 0. The file is opened here, before SQLite opens it,
	 * and closed only after SQLite closed its own handle: closing a descriptor drops every POSIX
	 * lock the process holds on that file.
	 */
	static CopyPacer forFile(Path file, long bytesPerSecond, int pageSize) throws IOException {
		FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		return new CopyPacer(channel, bytesPerSecond, pageSize);
	}

	/** Pages per step: the configured step, or smaller so that each paced step is short. */
	int pagesPerStep(int configured) {
		if (this.bytesPerSecond <= 0) {
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
		if (this.bytesPerSecond <= 0) {
			return;
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
