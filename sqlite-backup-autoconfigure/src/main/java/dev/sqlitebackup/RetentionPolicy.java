package dev.sqlitebackup;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Which backups pruning keeps. A backup is deleted when it falls outside {@code keepLast} or is
 * older than {@code maxAge}; the newest verified backup and backups being read by a restore are
 * always kept.
 *
 * @param keepLast how many of the newest backups to keep at most, or {@code null} for no limit
 * @param maxAge how old a backup may get before it is deleted, or {@code null} for no limit
 */
public record RetentionPolicy(@Nullable Integer keepLast, @Nullable Duration maxAge) {

	/** Policy that keeps everything. */
	public static final RetentionPolicy KEEP_ALL = new RetentionPolicy(null, null);

	public RetentionPolicy {
		if (keepLast != null && keepLast < 1) {
			throw new IllegalArgumentException("keepLast must be at least 1, was " + keepLast);
		}
		if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
			throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
		}
	}

}
