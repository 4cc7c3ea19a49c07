package dev.sqlitebackup.restore;

import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.RestoreFailedException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.backup.BackupRequest;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;

/** The safety backup of one restore: taken at most once, when the restore's copy says so. */
final class SafetyBackup {

	private final BackupRun backups;

	private final SqliteDatabase db;

	private final Backup restoring;

	private final RunningOperation operation;

	private boolean pending;

	private @Nullable String id;

	private @Nullable RestoreFailedException failure;

	SafetyBackup(BackupRun backups, SqliteDatabase db, Backup restoring, RunningOperation operation, boolean wanted) {
		this.backups = backups;
		this.db = db;
		this.restoring = restoring;
		this.operation = operation;
		this.pending = wanted;
	}

	boolean isPending() {
		return this.pending;
	}

	/** Takes it now if still pending; a failure means the restore must not change anything. */
	void takeNow(@Nullable SQLiteConnection heldSource) {
		tryTakeNow(heldSource);
		throwIfFailed();
	}

	/** Takes it now if still pending, without throwing: it may run inside SQLite's copy. */
	boolean tryTakeNow(@Nullable SQLiteConnection heldSource) {
		if (!this.pending) {
			return this.failure == null;
		}
		this.pending = false;
		this.operation.phases().end("copy into live");
		try {
			this.id = this.backups.run(this.db, BackupRequest.safety(heldSource), this.operation).id();
			this.operation.phases().end("safety backup");
			return true;
		}
		catch (RuntimeException ex) {
			this.failure = new RestoreFailedException(this.db.name(), this.restoring.id(), "Restore of database '"
					+ this.db.name() + "' from backup " + this.restoring.id()
					+ " was not done because its safety backup failed (" + Messages.describe(ex)
					+ "); the live database was not changed", ex);
			return false;
		}
	}

	void throwIfFailed() {
		if (this.failure != null) {
			throw this.failure;
		}
	}

	@Nullable String id() {
		return this.id;
	}

}
