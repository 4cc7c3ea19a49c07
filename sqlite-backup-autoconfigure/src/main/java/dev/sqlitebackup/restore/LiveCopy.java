package dev.sqlitebackup.restore;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.DB;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.RestoreFailedException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.ContentDigest;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;

/**
 * Copies a checked backup file into the live database and confirms that it arrived, taking the
 * restore's safety backup at the moment when it loses nothing (see {@link #copyIntoLive}).
 */
final class LiveCopy {

	private static final Logger logger = LoggerFactory.getLogger(LiveCopy.class);

	private final EngineContext context;

	private final BackupOptions options;

	/** How long a restore waits for readers and writers to let it truncate the WAL it leaves. */
	private static final int CHECKPOINT_WAIT_MILLIS = 250;

	/** How long one attempt to take a rollback-journal database exclusively waits for its readers. */
	private static final int EXCLUSIVE_ATTEMPT_MILLIS = 20;

	LiveCopy(EngineContext context) {
		this.context = context;
		this.options = context.options();
	}

	/**
	 * Copies the checked backup file into the live database, taking the safety backup at the one
	 * moment when it loses nothing: after the restore holds the database's write lock, so that no
	 * transaction can commit between the safety snapshot and the restored state. A writer that
	 * commits before that moment is in the safety backup; one that commits after it waits (up to
	 * its own busy timeout) and lands on the restored database. How that lock is held depends on
	 * the journal mode; see the three methods below.
	 */
	long copyIntoLive(SqliteDatabase db, Backup backup, Path source, LiveFacts live, SafetyBackup safety,
			RunningOperation operation) throws SQLException {
		Optional<Path> liveFile = db.file();
		if (liveFile.isEmpty()) {
			safety.takeNow(null);
			return copyIntoMemory(db, backup, source, operation);
		}
		if (live.isWal()) {
			return copyIntoWal(db, backup, source, liveFile.get(), safety, operation);
		}
		return copyIntoRollbackJournal(db, backup, source, liveFile.get(), safety, operation);
	}

	/**
	 * WAL mode: the backup file is the source and the live file the destination of SQLite's backup
	 * API. sqlite-jdbc's own {@code restore()} is not used here: it reports the error code of the
	 * backup file's handle, and was measured returning 0 when nothing was restored (live database
	 * locked, or not a database). In this direction the code comes from the destination, where
	 * SQLite records the error. The live file is opened with {@code mode=rw}, so a vanished file is
	 * an error rather than a new empty database. The copy runs as one write transaction on the live
	 * database: on any failure SQLite rolls it back.
	 * <p>
	 * The copy is made in at least two steps and the safety backup is taken after the first one:
	 * the copy then holds the WAL write lock, so writers wait, while readers (the safety backup's
	 * own among them) still see the last committed state. Should the safety backup fail, the copy
	 * must not go on: a second connection locks the backup file exclusively, the copy's next step
	 * cannot read its source, and SQLite rolls the live database back. That lock is tried before the
	 * copy starts; a backup file that cannot be locked (a read-only store) gets its safety backup
	 * before the copy instead, as a database too small for two steps does.
	 */
	private long copyIntoWal(SqliteDatabase db, Backup backup, Path source, Path liveFile, SafetyBackup safety,
			RunningOperation operation) throws SQLException {
		try (SQLiteConnection backupFile = SqliteConnections.openReadOnly(source);
				SQLiteConnection sourceLock = SqliteConnections.open(source, Duration.ZERO)) {
			long sourcePages = SqliteConnections.number(backupFile, "PRAGMA page_count");
			if (sourcePages < 2 || !canLockExclusively(sourceLock)) {
				safety.takeNow(null);
			}
			DB.ProgressObserver progress = this.context.progress(db, operation);
			DB.ProgressObserver observer = (remaining, pageCount) -> {
				if (safety.isPending() && !safety.tryTakeNow(null)) {
					lockExclusively(sourceLock);
				}
				progress.progress(remaining, pageCount);
			};
			int rc = backupFile.getDatabase()
				.backup("main", SqliteConnections.liveUri(liveFile), observer, EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(),
						pagesPerStepOfAtLeastTwo(sourcePages));
			safety.throwIfFailed();
			operation.phases().end("copy into live");
			if (rc != EngineContext.SQLITE_OK) {
				throw new RestoreFailedException(db.name(), backup.id(), "Could not write backup " + backup.id()
						+ " into database '" + db.name() + "': " + SqliteConnections.describe(rc)
						+ ((rc == 5 || rc == 6) ? ", the database stayed locked by another connection" : "")
						+ "; the live database was not changed", null);
			}
			try (Connection live = SqliteConnections.openLive(liveFile, this.options.busyTimeout())) {
				long pageCount = confirm(db, backup, live, backupFile, false);
				operation.phases().end("confirm");
				checkpointRestoredWal(db, live);
				operation.phases().end("checkpoint");
				return pageCount;
			}
		}
	}

	/**
	 * Rollback-journal mode: SQLite's backup API takes an exclusive lock on its destination from its
	 * first step, so no reader could take the safety backup then. Instead one connection takes the
	 * live database exclusively ({@code locking_mode=EXCLUSIVE} keeps the lock after its empty write
	 * transaction), takes the safety backup through itself, and receives the copy, so no other
	 * writer commits in between. Readers and writers wait for the whole restore, up to their busy
	 * timeout. sqlite-jdbc's {@code restore()} reports the error code of the wrong handle (see
	 * {@link #copyIntoWal}), so success is read from the database: the backup API bumps the
	 * destination's schema version by exactly one when it commits.
	 */
	private long copyIntoRollbackJournal(SqliteDatabase db, Backup backup, Path source, Path liveFile,
			SafetyBackup safety, RunningOperation operation) throws SQLException {
		try (SQLiteConnection holder = SqliteConnections.openLive(liveFile, this.options.busyTimeout());
				SQLiteConnection backupFile = SqliteConnections.openReadOnly(source)) {
			try {
				takeExclusively(holder);
			}
			catch (SQLException ex) {
				throw new RestoreFailedException(db.name(), backup.id(), "Could not write backup " + backup.id()
						+ " into database '" + db.name() + "': " + SqliteConnections.describe(ex.getErrorCode())
						+ ", it stayed locked by another connection for " + this.options.busyTimeout().toMillis()
						+ " ms; the live database was not changed", ex);
			}
			safety.takeNow(holder);
			long schemaVersion = SqliteConnections.number(holder, "PRAGMA schema_version");
			holder.getDatabase()
				.restore("main", source.toString(), this.context.progress(db, operation), EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(),
						this.options.pagesPerStep());
			operation.phases().end("copy into live");
			if (SqliteConnections.number(holder, "PRAGMA schema_version") != schemaVersion + 1) {
				throw new RestoreFailedException(db.name(), backup.id(), "SQLite did not commit backup "
						+ backup.id() + " into database '" + db.name() + "' (disk full or an I/O error?); "
						+ "the live database was not changed", null);
			}
			return confirm(db, backup, holder, backupFile, false);
		}
	}

	/**
	 * Takes the database exclusively for as long as the connection stays open. SQLite's busy
	 * handler sleeps longer and longer between attempts (up to 100 ms) and so loses every race for
	 * the reserved lock to writers that commit back to back. Attempts with a short busy timeout
	 * win one of the gaps between their transactions; within an attempt, once the reserved lock is
	 * held, SQLite keeps its pending lock while it waits, so new readers stay out and the current
	 * ones drain.
	 * <p>
	 * The attempts run in the normal locking mode and {@code locking_mode=EXCLUSIVE} is set only
	 * once the exclusive lock is held: in exclusive locking mode a failed attempt keeps the shared
	 * lock it read with, and a writer that already holds the reserved lock then cannot commit until
	 * its busy timeout fails it, while the restore cannot get the reserved lock either (measured:
	 * the writer's commit failed after its 3 s timeout and the restore got nothing in 5 s).
	 */
	private void takeExclusively(SQLiteConnection holder) throws SQLException {
		long deadline = System.nanoTime() + this.options.busyTimeout().toNanos();
		try (Statement statement = holder.createStatement()) {
			statement.execute("PRAGMA busy_timeout=" + EXCLUSIVE_ATTEMPT_MILLIS);
			while (true) {
				try {
					statement.execute("BEGIN EXCLUSIVE");
					statement.execute("PRAGMA locking_mode=EXCLUSIVE");
					statement.execute("COMMIT");
					break;
				}
				catch (SQLException ex) {
					if ((ex.getErrorCode() & 0xFF) != 5 || System.nanoTime() > deadline) {
						throw ex;
					}
					sleepBriefly();
				}
			}
			statement.execute("PRAGMA busy_timeout=" + this.options.busyTimeout().toMillis());
		}
	}

	private static void sleepBriefly() throws SQLException {
		try {
			Thread.sleep(1);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new SQLException("Interrupted while waiting for the database lock", ex);
		}
	}

	/**
	 * An in-memory database is reachable only through its pool, so {@code restore()} is the only
	 * way in; its return code is therefore not trusted and the content is compared instead. Its
	 * safety backup is taken just before.
	 */
	private long copyIntoMemory(SqliteDatabase db, Backup backup, Path source, RunningOperation operation)
			throws SQLException {
		try (Connection pooled = db.dataSource().getConnection();
				SQLiteConnection backupFile = SqliteConnections.openReadOnly(source)) {
			SqliteConnections.nativeDb(pooled)
				.restore("main", source.toString(), this.context.progress(db, operation), EngineContext.BUSY_RETRY_MILLIS,
						this.context.busyRetries(), -1);
			// Same pooled connection: a single-connection pool has no second one to confirm with.
			return confirm(db, backup, pooled, backupFile, true);
		}
	}

	/** A step size that copies the source in at least two steps, so that the copy is seen holding its lock. */
	private int pagesPerStepOfAtLeastTwo(long sourcePages) {
		long half = Math.max(1, sourcePages / 2);
		int configured = this.options.pagesPerStep();
		return (int) Math.min(half, (configured < 0) ? half : configured);
	}

	/** Whether this connection can take its file exclusively (not when the file is read-only). */
	private static boolean canLockExclusively(SQLiteConnection connection) {
		try (Statement statement = connection.createStatement()) {
			statement.execute("BEGIN EXCLUSIVE");
			statement.execute("ROLLBACK");
			return true;
		}
		catch (SQLException ex) {
			logger.debug("Cannot lock a backup file exclusively: {}", ex.getMessage());
			return false;
		}
	}

	private static void lockExclusively(SQLiteConnection connection) {
		try (Statement statement = connection.createStatement()) {
			statement.execute("BEGIN EXCLUSIVE");
		}
		catch (SQLException ex) {
			logger.error("Could not stop a restore whose safety backup failed: {}", ex.getMessage());
		}
	}

	/**
	 * The backup API commits the restored pages into the WAL of a WAL-mode database and, unlike a
	 * statement, does not run the automatic checkpoint (measured: a 4 MB restore left a 4 MB WAL).
	 * Left there, they would be copied into the database file by whichever application commit
	 * next crosses the checkpoint threshold, which would wait for a whole database's worth of writes,
	 * and the WAL would keep the database's size on disk. So the restore checkpoints them itself.
	 * Readers still on the old snapshot may keep it from finishing; the data is safe either way.
	 */
	private void checkpointRestoredWal(SqliteDatabase db, Connection live) throws SQLException {
		if (!"wal".equalsIgnoreCase(SqliteConnections.text(live, "PRAGMA journal_mode"))) {
			return;
		}
		try (Statement statement = live.createStatement()) {
			// Briefly: when the wait runs out, SQLite checkpoints what it can without waiting.
			statement.execute("PRAGMA busy_timeout = " + CHECKPOINT_WAIT_MILLIS);
			try (ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
				if (result.next() && result.getInt(1) != 0) {
					logger.info("The restore of database '{}' could not checkpoint its WAL completely (readers of "
							+ "the previous state); SQLite finishes it with a later commit", db.name());
				}
			}
		}
	}

	/** Compares the live database with the backup it should now hold. */
	private long confirm(SqliteDatabase db, Backup backup, Connection live, Connection backupFile,
			boolean compareContent) throws SQLException {
		long livePages = SqliteConnections.number(live, "PRAGMA page_count");
		long backupPages = SqliteConnections.number(backupFile, "PRAGMA page_count");
		boolean same = livePages == backupPages
				&& SqliteConnections.schema(live).equals(SqliteConnections.schema(backupFile))
				&& (!compareContent || ContentDigest.of(live).equals(ContentDigest.of(backupFile)));
		if (!same) {
			throw new RestoreFailedException(db.name(), backup.id(), "SQLite reported success but database '"
					+ db.name() + "' does not hold backup " + backup.id()
					+ " afterwards (was it locked by another connection?)", null);
		}
		return livePages;
	}

	Connection connectToLive(SqliteDatabase db) throws SQLException {
		Optional<Path> file = db.file();
		return file.isPresent() ? SqliteConnections.openLive(file.get(), this.options.busyTimeout())
				: db.dataSource().getConnection();
	}

	LiveFacts readLive(SqliteDatabase db) throws SQLException {
		try (Connection connection = connectToLive(db)) {
			return new LiveFacts(SqliteConnections.text(connection, "PRAGMA journal_mode"),
					(int) SqliteConnections.number(connection, "PRAGMA page_size"), db.isInMemory());
		}
	}

	/** What the live database looks like right before a restore. */
	record LiveFacts(String journalMode, int pageSize, boolean inMemory) {

		boolean isWal() {
			return "wal".equalsIgnoreCase(this.journalMode);
		}

		boolean needsPageSize(int backupPageSize) {
			return backupPageSize != this.pageSize && (this.inMemory || isWal());
		}

	}

}
