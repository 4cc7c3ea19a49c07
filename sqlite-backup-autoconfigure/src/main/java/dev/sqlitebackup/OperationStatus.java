package dev.sqlitebackup;

import java.time.Instant;

/**
 * Snapshot of an operation in progress on one database.
 *
 * @param database name of the database
 * @param type what the operation does
 * @param startedAt when it started
 * @param pagesDone pages copied so far
 * @param pagesTotal pages to copy in all, 0 while unknown
 */
public record OperationStatus(String database, OperationType type, Instant startedAt, long pagesDone,
		long pagesTotal) {

	/** Fraction of pages copied, from 0.0 to 1.0 ({@code 0.0} while the total is unknown). */
	public double fractionDone() {
		return (this.pagesTotal > 0) ? Math.min(1.0, (double) this.pagesDone / this.pagesTotal) : 0.0;
	}

}
