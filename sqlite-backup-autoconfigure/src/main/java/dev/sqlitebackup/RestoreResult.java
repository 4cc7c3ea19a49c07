package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * Outcome of a successful restore.
 *
 * @param database name of the restored database
 * @param restoredFrom id of the backup that is now the live state
 * @param safetyBackupId id of the backup of the state before the restore, or {@code null}
 * when safety backups are turned off
 * @param restoredAt when the restore finished (UTC)
 * @param pageCount number of pages of the live database after the restore
 * @param duration how long the whole restore took, including the safety backup
 */
public record RestoreResult(String database, String restoredFrom, @Nullable String safetyBackupId,
		Instant restoredAt, long pageCount, Duration duration) {
}
