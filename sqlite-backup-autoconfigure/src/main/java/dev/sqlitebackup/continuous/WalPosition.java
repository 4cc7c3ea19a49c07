package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.pointintime.WalFrames;

/**
 * A point in the WAL, just after the last frame captured, and whether a WAL still goes on from it.
 *
 * @param walSequence checkpoint sequence of the WAL generation, {@code -1} when the WAL was empty
 * @param salt1 first salt of that generation
 * @param salt2 second salt of that generation
 * @param offset offset just after the last frame captured
 * @param checksum WAL checksum of that frame (or of the header at a generation's start)
 * @param bigEndian whether the WAL computes its checksums on big-endian words
 */
record WalPosition(long walSequence, int salt1, int salt2, long offset, long checksum, boolean bigEndian) {

	static final WalPosition EMPTY_WAL = new WalPosition(-1, 0, 0, WalFrames.HEADER_SIZE, 0, true);

	static WalPosition startOf(WalFrames.Header header) {
		return new WalPosition(header.sequence(), header.salt1(), header.salt2(), WalFrames.HEADER_SIZE,
				header.checksum(), header.bigEndian());
	}

	boolean isEmptyWal() {
		return this.walSequence < 0;
	}

	/** Frames of this generation of the WAL before this point. */
	long framesBefore(int pageSize) {
		return (this.offset - WalFrames.HEADER_SIZE) / (WalFrames.FRAME_HEADER_SIZE + pageSize);
	}

	/**
	 * Why a chain cannot go on from here when the last frame it shipped is no longer the one in the
	 * WAL: frames were written over in place (a writer killed in the middle of a commit leaves frames
	 * that look committed and that the next writer overwrites), so what was shipped may never have
	 * been committed. {@code null} when the frame is still there.
	 */
	@Nullable String rewrittenIn(FileChannel channel, int pageSize) throws IOException {
		if (channel.size() < this.offset) {
			return "its WAL is shorter than what was already captured";
		}
		if (this.offset <= WalFrames.HEADER_SIZE) {
			return null;
		}
		ByteBuffer frame = ByteBuffer.allocate(WalFrames.FRAME_HEADER_SIZE);
		long at = this.offset - WalFrames.FRAME_HEADER_SIZE - pageSize;
		while (frame.hasRemaining() && channel.read(frame, at + frame.position()) >= 0) {
			// reads the whole frame header
		}
		if (frame.hasRemaining() || frame.getInt(8) != this.salt1 || frame.getInt(12) != this.salt2
				|| frame.getLong(16) != this.checksum) {
			return "the last WAL frame it shipped (ending at offset " + this.offset + ") was written over in place, "
					+ "so what it shipped there may never have been committed";
		}
		return null;
	}

	/**
	 * Why frames of the previous generation may have been missed after the WAL restarted: frames
	 * that continue the chain past this point are still in the file, so they may have been written,
	 * committed and checkpointed without being copied. {@code null} when there are none.
	 */
	@Nullable String committedAfterIn(FileChannel channel, int pageSize) throws IOException {
		if (isEmptyWal()) {
			return null;
		}
		WalFrames.Header previous = new WalFrames.Header(pageSize, this.walSequence, this.salt1, this.salt2,
				this.checksum, this.bigEndian);
		WalFrames.Committed unseen = WalFrames.scanCommitted(channel, previous, this.offset, this.checksum,
				Long.MAX_VALUE);
		return (unseen.frameCount() == 0) ? null
				: "the WAL restarted with " + unseen.frameCount() + " more frames of its previous generation after "
						+ "what was captured, which may have been committed and checkpointed without being copied";
	}

}
