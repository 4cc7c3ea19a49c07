package dev.sqlitebackup.engine;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.sqlite.core.DB;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupAuthenticity;
import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupListingException;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;

/**
 * What every flow of the engine works with: the store, the options, the clock, the rule for
 * trusting backups and the listeners, plus the few things they all ask of them.
 *
 * @param store where backups are kept
 * @param options how copies are made and checked
 * @param clock what "now" is for backup ids and retention
 * @param authenticity which backups can be trusted under the configured encryption
 * @param listeners who is told about operations and progress
 */
public record EngineContext(BackupStore store, BackupOptions options, Clock clock, BackupAuthenticity authenticity,
		Listeners listeners) {

	/** SQLite's result code for success. */
	public static final int SQLITE_OK = 0;

	/** How long a copy sleeps before it tries a busy database again. */
	public static final int BUSY_RETRY_MILLIS = 100;

	/** sqlite-jdbc counts busy retries over the whole copy; this many cover the busy timeout. */
	public int busyRetries() {
		return (int) Math.max(1, this.options.busyTimeout().toMillis() / BUSY_RETRY_MILLIS);
	}

	/** Reports the progress of a copy made in one pass; see {@link Listeners#progress}. */
	public DB.ProgressObserver progress(SqliteDatabase db, RunningOperation operation) {
		return this.listeners.progress(db, operation, CopyPacer.unpaced(), 0, 1);
	}

	/** Reports the progress of pass {@code pass} of {@code passes} of a paced copy. */
	public DB.ProgressObserver progress(SqliteDatabase db, RunningOperation operation, CopyPacer pacer, int pass,
			int passes) {
		return this.listeners.progress(db, operation, pacer, pass, passes);
	}

	/** Published backups of a database, newest first. */
	public List<Backup> list(String database) {
		return fromStore(database, () -> this.store.list(database));
	}

	/** One published backup, if the store lists it. */
	public Optional<Backup> find(String database, String backupId) {
		return fromStore(database, () -> this.store.find(database, backupId));
	}

	/** Asks the store; a store that cannot list (an unreachable bucket, say) fails with its reason. */
	public <T> T fromStore(String database, Supplier<T> question) {
		try {
			return question.get();
		}
		catch (SqliteBackupException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new BackupListingException(database, Messages.describe(ex), ex);
		}
	}

	/** Removes what crashed or failed operations left in the store for the database. */
	public void cleanUp(SqliteDatabase db) {
		try {
			this.store.cleanUp(db.name());
		}
		catch (IOException ex) {
			throw new BackupFailedException(db.name(), null,
					"Cannot clean up " + this.store.describe() + ": " + Messages.describe(ex), ex);
		}
	}

	/** The clean-up a backup runs before its snapshot: never held up by a slow remote part of the store. */
	public void cleanUpBeforeBackup(SqliteDatabase db) {
		try {
			this.store.cleanUpBeforeBackup(db.name());
		}
		catch (IOException ex) {
			throw new BackupFailedException(db.name(), null,
					"Backup of database '" + db.name() + "' failed: cannot clean up " + this.store.describe() + " first: "
							+ Messages.describe(ex), ex);
		}
	}

}
