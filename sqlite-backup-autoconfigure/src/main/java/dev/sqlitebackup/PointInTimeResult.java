package dev.sqlitebackup;

import java.time.Instant;

/**
 * Outcome of a restore to a point in time.
 *
 * @param restore the restore into the live database; its backup id is the snapshot the chain starts from
 * @param restoredTo when the newest transaction included was captured
 * @param segments segments applied on top of the snapshot
 */
public record PointInTimeResult(RestoreResult restore, Instant restoredTo, int segments) {
}
