package dev.sqlitebackup.continuous;

import dev.sqlitebackup.Segment;

/**
 * Where a capture stands in the chain it extends: the chain, the snapshot its segments build on, the
 * next sequence, the WAL position up to which everything was shipped and the hash of the last
 * segment's frames, which the next one names.
 */
final class ChainCursor {

	/** Frames after which the capture checkpoints the WAL itself, as SQLite's own autocheckpoint would. */
	static final int CHECKPOINT_AFTER_FRAMES = 1000;

	final String id;

	String baseBackupId;

	final int pageSize;

	long nextSequence;

	WalPosition position;

	String previousSha256;

	ChainCursor(String id, String baseBackupId, int pageSize, long nextSequence, WalPosition position,
			String previousSha256) {
		this.id = id;
		this.baseBackupId = baseBackupId;
		this.pageSize = pageSize;
		this.nextSequence = nextSequence;
		this.position = position;
		this.previousSha256 = previousSha256;
	}

	/** The cursor just after a published segment, for a capture that goes on with its chain. */
	static ChainCursor after(Segment newest, WalPosition position) {
		return new ChainCursor(newest.chainId(), newest.baseBackupId(), newest.pageSize(), newest.sequence() + 1,
				position, newest.plainSha256());
	}

	/** Whether the WAL grew past {@link #CHECKPOINT_AFTER_FRAMES} in the generation the cursor is in. */
	boolean checkpointDue() {
		return this.position.framesBefore(this.pageSize) >= CHECKPOINT_AFTER_FRAMES;
	}

}
