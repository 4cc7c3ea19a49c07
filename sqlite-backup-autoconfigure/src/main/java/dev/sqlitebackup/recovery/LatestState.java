package dev.sqlitebackup.recovery;

import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.pointintime.PointInTimeRestore;

/**
 * The latest restorable state a store holds of a database, as a lost disk and a drill both need
 * it: the latest captured point of continuous backup when it is at least as new as the newest
 * backup, else that backup. Safety backups never count: they hold a state a restore replaced.
 *
 * @param newestBackup the newest backup a restore would trust, or {@code null}
 * @param window the restore window of continuous backup, or {@code null} when there is none
 */
record LatestState(@Nullable Backup newestBackup, @Nullable RestoreWindow window) {

	/** Reads it from the store of {@code context}; fails as the store's listing does. */
	static LatestState read(EngineContext context, PointInTimeRestore pointInTime, String database) {
		Optional<Backup> newest = context.list(database)
			.stream()
			.filter((backup) -> !backup.isSafetyBackup())
			.filter((backup) -> context.authenticity().refusal(backup) == null)
			.findFirst();
		return new LatestState(newest.orElse(null), pointInTime.window(database));
	}

	/** Whether the store holds nothing to restore. */
	boolean isEmpty() {
		return this.newestBackup == null && this.window == null;
	}

	/** Whether the latest state is a point of continuous backup rather than a backup alone. */
	boolean isCapturedPoint() {
		return this.window != null
				&& (this.newestBackup == null || !this.window.to().isBefore(this.newestBackup.createdAt()));
	}

}
