package dev.sqlitebackup;

import java.time.Duration;

/**
 * Callback for what the engine does: completed and failed operations and copy progress. Used to
 * publish events and metrics; implementations must be quick and must not throw.
 */
public interface BackupListener {

	/** Called after a backup was verified and published. */
	default void backupCompleted(Backup backup) {
	}

	/** Called after a backup failed; nothing of it was published. */
	default void backupFailed(String database, BackupTrigger trigger, Duration elapsed, Exception failure) {
	}

	/** Called after a restore replaced the live database and the result was confirmed. */
	default void restoreCompleted(RestoreResult result) {
	}

	/** Called after a restore failed; the live database is as it was before. */
	default void restoreFailed(String database, String backupId, Duration elapsed, Exception failure) {
	}

	/** Called after a pass of continuous backup shipped what was committed, or started a new chain. */
	default void captureCompleted(CaptureResult result) {
	}

	/** Called after a pass of continuous backup failed; the next pass starts a new chain. */
	default void captureFailed(String database, Exception failure) {
	}

	/** Called after a restore drill, passed or failed. */
	default void drillCompleted(RestoreDrillResult result) {
	}

	/** Called after each copied step of a backup or restore. */
	default void progress(OperationStatus status) {
	}

}
