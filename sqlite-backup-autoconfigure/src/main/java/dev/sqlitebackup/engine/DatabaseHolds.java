package dev.sqlitebackup.engine;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.OperationType;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.StoreFolderUnusableException;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;

/**
 * Holds a database for one operation at a time: in this process, and through the store's lock
 * against other processes that use the same store.
 */
public final class DatabaseHolds {

	private static final Logger logger = LoggerFactory.getLogger(DatabaseHolds.class);

	private final BackupStore store;

	private final OperationLocks locks = new OperationLocks();

	/** Stores whose lack of file locks was already WARNed about, so that it is said once. */
	private final Set<String> storesWarnedWithoutLocks = ConcurrentHashMap.newKeySet();

	public DatabaseHolds(BackupStore store) {
		this.store = store;
	}

	/** The operation running on a database right now, with its progress, if any. */
	public Optional<OperationStatus> current(String database) {
		return this.locks.current(database);
	}

	/**
	 * Takes the database for an operation: in this process, then its part of the store against
	 * other processes using the same store.
	 * @throws OperationInProgressException when another operation holds either
	 */
	public RunningOperation hold(SqliteDatabase db, OperationType type) {
		RunningOperation operation = this.locks.acquire(db.name(), type);
		try {
			lockStore(db, operation);
		}
		catch (RuntimeException ex) {
			operation.close();
			throw ex;
		}
		return operation;
	}

	/**
	 * Takes the database for an operation in this process only; {@link #lockStore} adds its part of
	 * the store when the operation turns out to need it.
	 * @throws OperationInProgressException when another operation of this process holds it
	 */
	public RunningOperation holdHere(SqliteDatabase db, OperationType type) {
		return this.locks.acquire(db.name(), type);
	}

	/**
	 * Adds the database's part of the store, against other processes, to an operation held here.
	 * @throws OperationInProgressException when another process holds it; the caller closes the operation
	 */
	public void lockStore(SqliteDatabase db, RunningOperation operation) {
		try {
			StoreLock storeLock = this.store.tryLock(db.name())
				.orElseThrow(() -> OperationInProgressException.elsewhere(db.name(), this.store.describe()));
			operation.releaseOnClose(storeLock);
		}
		catch (IOException | UnsupportedOperationException ex) {
			if (ex instanceof StoreFolderUnusableException) {
				// The operation meets the same problem and reports it in its own words (to listeners too).
				logger.debug("Cannot lock {} for database '{}': {}", this.store.describe(), db.name(), Messages.describe(ex));
				return;
			}
			if (hasNoLocks(ex)) {
				// Running unlocked is what such a file system allows; the WARN says what that risks.
				if (this.storesWarnedWithoutLocks.add(this.store.describe())) {
					logger.warn("The file system of {} does not support file locks ({}): operations on database "
							+ "'{}' run without the lock that keeps other processes sharing this store from "
							+ "cleaning up or pruning under them; do not let two processes use it at once",
							this.store.describe(), Messages.describe(ex), db.name());
				}
				return;
			}
			throw new SqliteBackupException(db.name(), null, "Cannot lock " + this.store.describe()
					+ " for an operation on database '" + db.name() + "', so nothing was done: " + Messages.describe(ex), ex);
		}
	}

	/** Whether a locking failure says that the file system has no locks at all (NFS without a lock daemon, say). */
	private static boolean hasNoLocks(Exception ex) {
		if (ex instanceof UnsupportedOperationException) {
			return true;
		}
		String message = String.valueOf(ex.getMessage()).toLowerCase(Locale.ROOT);
		return message.contains("no locks available") || message.contains("enolck");
	}

}
