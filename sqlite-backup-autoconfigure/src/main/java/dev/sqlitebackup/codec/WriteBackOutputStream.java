package dev.sqlitebackup.codec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes into a file and starts its write-back ({@link BackgroundWriteBack}) every
 * {@value #WRITE_BACK_EVERY_BYTES} bytes. A backup's stored form is as large as the database;
 * written whole and then fsynced at once, its write-back stalled the application's own commits on
 * the same disk for 0.5 to 0.9 s (measured in the side-by-side benchmark, where the slowest writer
 * commit fell inside that fsync). Closing waits for a write-back still running but leaves the
 * channel open: the caller owns it.
 */
final class WriteBackOutputStream extends OutputStream {

	static final long WRITE_BACK_EVERY_BYTES = 32L << 20;

	private final FileChannel channel;

	private final BackgroundWriteBack writeBack;

	private long sinceWriteBack;

	WriteBackOutputStream(FileChannel channel) {
		this.channel = channel;
		this.writeBack = new BackgroundWriteBack(channel);
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
			this.writeBack.start();
		}
	}

	/** How many write-backs this stream started: for tests. */
	int writeBacksStarted() {
		return this.writeBack.started();
	}

	@Override
	public void close() {
		this.writeBack.close();
	}

}
