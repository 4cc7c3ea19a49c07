package dev.sqlitebackup;

import java.time.Instant;

/**
 * Outcome of a restore to a point in time.
 *
 * @param restore the restore into the live database; its backup id is the snapshot the chain starts from
 * @param point the point restored to: the chain, and the segment whose transactions are the newest included
 * @param segments segments applied on top of the snapshot
 * @param latest whether that is the newest captured state of the database, across all its chains
 */
public record PointInTimeResult(RestoreResult restore, ChainPoint point, int segments, boolean latest) {

	/** When the newest transaction included was captured. */
	public Instant restoredTo() {
		return this.point.capturedAt();
	}

	/** Id of the chain restored from. */
	public String chain() {
		return this.point.chainId();
	}

}
