package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/**
 * What one pass of continuous capture did.
 *
 * @param database name of the database
 * @param chainId chain the pass added to, {@code null} when it captured nothing (see {@code idle})
 * @param newChainReason why the pass started a new chain, {@code null} when it continued one
 * @param frames WAL frames shipped
 * @param bytes size of those frames, headers included, before compression
 * @param checkpointed whether the pass checkpointed the WAL
 * @param idle why the pass captured nothing and started no chain, {@code null} when it captured
 */
public record CaptureResult(String database, @Nullable String chainId, @Nullable String newChainReason, int frames,
		long bytes, boolean checkpointed, @Nullable Idle idle) {

	/** A pass that captured into a chain. */
	public CaptureResult(String database, String chainId, @Nullable String newChainReason, int frames, long bytes,
			boolean checkpointed) {
		this(database, chainId, newChainReason, frames, bytes, checkpointed, null);
	}

	/** A pass that captured nothing, and why. */
	public static CaptureResult idle(String database, Idle why) {
		return new CaptureResult(database, null, null, 0, 0, false, why);
	}

	/** Whether the pass waits for a restore instead of capturing. */
	public boolean awaitsRestore() {
		return this.idle == Idle.AWAITING_RESTORE;
	}

	/** Whether another process captures the database, so this one does not. */
	public boolean isStandby() {
		return this.idle == Idle.STANDBY;
	}

	/** Whether the pass started a new chain from a fresh snapshot. */
	public boolean startedChain() {
		return this.newChainReason != null;
	}

	/** Why a pass captured nothing. */
	public enum Idle {

		/** Another process captures this database into the same store. */
		STANDBY,

		/** The database is new while the store holds its history: a restore comes first. */
		AWAITING_RESTORE

	}

}
