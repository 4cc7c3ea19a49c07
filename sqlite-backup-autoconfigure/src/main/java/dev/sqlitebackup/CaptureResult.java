package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/**
 * What one pass of continuous capture did.
 *
 * @param database name of the database
 * @param chainId chain the pass added to
 * @param newChainReason why the pass started a new chain, {@code null} when it continued one
 * @param frames WAL frames shipped
 * @param bytes size of those frames, headers included, before compression
 * @param checkpointed whether the pass checkpointed the WAL
 */
public record CaptureResult(String database, String chainId, @Nullable String newChainReason, int frames, long bytes,
		boolean checkpointed) {

	/** Whether the pass started a new chain from a fresh snapshot. */
	public boolean startedChain() {
		return this.newChainReason != null;
	}

}
