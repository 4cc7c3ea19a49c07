package dev.sqlitebackup.codec;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes into a file and starts its write-back every {@value #WRITE_BACK_EVERY_BYTES} bytes on a
 * thread of its own, so that the fsync at the end finds little left to write. A backup's stored
 * form is as large as the database; written whole and then fsynced at once, its write-back stalled
 * the application's own commits on the same disk for 0.5 to 0.9 s (measured in the side-by-side
 * benchmark, where the slowest writer commit fell inside that fsync). A write-back still running
 * when the next one is due is not doubled up. Closing waits for it but leaves the channel open:
 * the caller owns it.
 */
final class WriteBackOutputStream extends OutputStream {

	static final long WRITE_BACK_EVERY_BYTES = 32L << 20;

	private final FileChannel channel;

	private long sinceWriteBack;

	private int writeBacksStarted;

	private ExecutorService flusher;

	private Future<?> flushing;

	WriteBackOutputStream(FileChannel channel) {
		this.channel = channel;
	}

	@Override
	public void write(int b) throws IOException {
		write(new byte[] { (byte) b }, 0, 1);
	}

	@Override
	public void write(byte[] bytes, int offset, int length) throws IOException {
		ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
		while (buffer.hasRemaining()) {
			this.channel.write(buffer);
		}
		this.sinceWriteBack += length;
		if (this.sinceWriteBack >= WRITE_BACK_EVERY_BYTES) {
			this.sinceWriteBack = 0;
			startWriteBack();
		}
	}

	private void startWriteBack() {
		if (this.flushing != null && !this.flushing.isDone()) {
			return;
		}
		if (this.flusher == null) {
			this.flusher = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, "sqlite-backup-write-back");
				thread.setDaemon(true);
				return thread;
			});
		}
		this.writeBacksStarted++;
		this.flushing = this.flusher.submit(() -> {
			try {
				this.channel.force(false);
			}
			catch (IOException ex) {
				// Only the spreading of write-back suffers; the caller fsyncs the whole file at the end.
			}
		});
	}

	/** How many write-backs this stream started: for tests. */
	int writeBacksStarted() {
		return this.writeBacksStarted;
	}

	@Override
	public void close() throws IOException {
		if (this.flusher == null) {
			return;
		}
		try {
			this.flushing.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new InterruptedIOException("Interrupted while the file was written back");
		}
		catch (ExecutionException ex) {
			// The write-back reports nothing: the caller fsyncs the whole file.
		}
		finally {
			this.flusher.shutdown();
			this.flusher = null;
		}
	}

}
