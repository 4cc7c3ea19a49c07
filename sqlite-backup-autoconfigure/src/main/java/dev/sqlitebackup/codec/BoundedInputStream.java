package dev.sqlitebackup.codec;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads at most a given number of bytes: one part of a file, or no more than a manifest says. */
public final class BoundedInputStream extends FilterInputStream {

	private long remaining;

	/** Reads no more than {@code remaining} bytes of {@code in}. */
	public BoundedInputStream(InputStream in, long remaining) {
		super(in);
		this.remaining = remaining;
	}

	@Override
	public int read() throws IOException {
		if (this.remaining <= 0) {
			return -1;
		}
		int b = this.in.read();
		if (b >= 0) {
			this.remaining--;
		}
		return b;
	}

	@Override
	public int read(byte[] bytes, int offset, int length) throws IOException {
		if (this.remaining <= 0) {
			return -1;
		}
		int n = this.in.read(bytes, offset, (int) Math.min(length, this.remaining));
		if (n > 0) {
			this.remaining -= n;
		}
		return n;
	}

}
