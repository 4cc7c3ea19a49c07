package dev.sqlitebackup.codec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;

/**
 * Writes a file's dirty pages back to the disk ({@code fdatasync}) on a thread of its own, one
 * write-back at a time, while whoever writes the file goes on. A large file written whole and
 * synced once reaches the disk in one burst that stalls every other writer on it; written back as
 * it grows, the final fsync finds little left. A write-back still running when the next is asked
 * for is not doubled up. Failures are ignored: only the spreading suffers, and the file's owner
 * fsyncs it at the end. Closing waits for a write-back still running; the channel stays open.
 */
public final class BackgroundWriteBack implements AutoCloseable {

	private final FileChannel channel;

	private @Nullable ExecutorService flusher;

	private @Nullable Future<?> running;

	private int started;

	public BackgroundWriteBack(FileChannel channel) {
		this.channel = channel;
	}

	/** Starts a write-back of what was written so far, unless one is still running. */
	public void start() {
		if (this.running != null && !this.running.isDone()) {
			return;
		}
		if (this.flusher == null) {
			this.flusher = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, "sqlite-backup-write-back");
				thread.setDaemon(true);
				return thread;
			});
		}
		this.started++;
		this.running = this.flusher.submit(this::writeBackNow);
	}

	/** Writes back what was written so far on the caller's thread. */
	public void writeBackNow() {
		try {
			this.channel.force(false);
		}
		catch (IOException ex) {
			// Only the spreading of write-back suffers; the file's owner syncs it at the end.
		}
	}

	/** How many write-backs {@link #start} started: for tests. */
	int started() {
		return this.started;
	}

	@Override
	public void close() {
		ExecutorService flusher = this.flusher;
		if (flusher == null) {
			return;
		}
		this.flusher = null;
		flusher.shutdown();
		try {
			// The channel must outlive a write-back still using it.
			flusher.awaitTermination(1, TimeUnit.MINUTES);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
