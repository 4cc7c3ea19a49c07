package dev.sqlitebackup.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.codec.BackgroundWriteBack;

/**
 * Spreads a backup's disk writes out: after every step of a copy into a file it flushes what the
 * step wrote and, when the write rate is capped, sleeps until the cap allows the next step.
 * <p>
 * Flushing is what protects the application's writers. Without it the copy's pages pile up in the
 * page cache and reach the disk in one burst when SQLite syncs the copy at the end; measured on
 * 256 MiB in WAL mode under a writer committing 200 small transactions a second, that burst made
 * the writer's worst commit 100–195 ms (its fsyncs queue behind it). Flushing every 16 MiB step
 * brought the worst commit to 8–36 ms, so every copy to a file that holds no lock on the live
 * database is flushed per step, capped or not. Flushing in line made a 1 GiB copy 10–20% slower;
 * flushing on a background thread while SQLite copies the next step (uncapped copies) recovered
 * that: 1.4–1.6 s against 2.3–3.1 s per GiB for the copy flushed in line, on the same machine.
 * A cap sizes steps to about {@value #STEPS_PER_SECOND} a second, so that each flush is short.
 * See BENCHMARKS.md for the 1 GiB figures.
 * <p>
 * The pauses happen inside SQLite's backup loop, on a source connection that holds its read
 * transaction, so they cannot let writers restart the copy.
 */
public final class CopyPacer implements AutoCloseable {

	private static final int STEPS_PER_SECOND = 20;

	private static final int MIN_PAGES_PER_STEP = 16;

	private static final CopyPacer UNPACED = new CopyPacer(null, 0, 0);

	private final @Nullable FileChannel destination;

	private final long bytesPerSecond;

	private final int pageSize;

	private final long startNanos = System.nanoTime();

	/** Writes the copy back while SQLite copies the next step; {@code null} when unpaced. */
	private final @Nullable BackgroundWriteBack writeBack;

	private CopyPacer(@Nullable FileChannel destination, long bytesPerSecond, int pageSize) {
		this.destination = destination;
		this.writeBack = (destination != null) ? new BackgroundWriteBack(destination) : null;
		this.bytesPerSecond = bytesPerSecond;
		this.pageSize = pageSize;
	}

	/** A pacer that does nothing: the copy runs at disk speed. */
	public static CopyPacer unpaced() {
		return UNPACED;
	}

	/**
	 * A pacer for a copy into a file of SQLite's: flushing after every step, and held to
	 * {@code bytesPerSecond} unless that is 0. The file is opened here, before SQLite opens it,
	 * and closed only after SQLite closed its own handle: closing a descriptor drops every POSIX
	 * lock the process holds on that file.
	 */
	public static CopyPacer forFile(Path file, long bytesPerSecond, int pageSize) throws IOException {
		FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		return new CopyPacer(channel, bytesPerSecond, pageSize);
	}

	/** Pages per step: the configured step, or smaller so that each paced step is short. */
	public int pagesPerStep(int configured) {
		if (this.bytesPerSecond <= 0) {
			return configured;
		}
		int paced = (int) Math.max(MIN_PAGES_PER_STEP,
				Math.min(Integer.MAX_VALUE, this.bytesPerSecond / STEPS_PER_SECOND / this.pageSize));
		return (configured < 0) ? paced : Math.min(configured, paced);
	}

	/**
	 * Called after each step with the pages copied so far: flushes them, then waits for the rate.
	 * Without a cap the flush runs on a thread of its own while SQLite copies the next step, so
	 * the copy costs the longer of copying and writing back instead of their sum; a flush still
	 * running when the next step ends is not doubled up. With a cap it runs in line, which keeps
	 * each step's write-back inside its time slot.
	 */
	void afterStep(long pagesDone) {
		BackgroundWriteBack writeBack = this.writeBack;
		if (writeBack == null) {
			return;
		}
		if (this.bytesPerSecond <= 0) {
			writeBack.start();
			return;
		}
		writeBack.writeBackNow();
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
		if (this.writeBack != null) {
			this.writeBack.close();
		}
		if (this.destination != null) {
			this.destination.close();
		}
	}

}
