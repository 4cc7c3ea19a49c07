package dev.sqlitebackup.backup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.CopyPacer;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;

/**
 * Copies a consistent snapshot of a live database into a staging file with SQLite's online backup
 * API, the way its journal mode allows (see {@link #copyToStaging}).
 */
final class LiveSnapshot {

	private static final Logger logger = LoggerFactory.getLogger(LiveSnapshot.class);

	private final EngineContext context;

	private final BackupOptions options;

	LiveSnapshot(EngineContext context) {
		this.context = context;
		this.options = context.options();
	}

	/**
	 * Copies a consistent snapshot of the database into the staging file.
	 * <p>
	 * The source connection first opens its own read transaction and keeps it for the whole copy.
	 * SQLite restarts a backup whenever the source changes under it, which it notices when the
	 * source connection starts a new read; with the read held, the copy works on one fixed
	 * snapshot and is never restarted, whatever the writers do. Measured here, a stepped copy of a
	 * WAL database without it never finished under 200 commits/s, while a held snapshot finishes
	 * at disk speed (see the foundation issue's note).
	 * <ul>
	 * <li>WAL mode: holding a read transaction does not block writers (they append to the WAL;
	 * only checkpointing past the snapshot waits), so the copy is stepped, reports progress after
	 * every step, and the application keeps writing throughout. Each step is flushed, and paced
	 * when the write rate is capped, so that the copy's write-back does not stall the writers'
	 * own fsyncs (see {@link CopyPacer}).</li>
	 * <li>Rollback-journal mode: any consistent copy must keep writers out while it reads (the
	 * alternative, letting them in, restarts the copy on every commit and can livelock). The held
	 * read transaction does that; writers wait up to their busy timeout. So that they wait as
	 * little as possible, a database within the memory staging limit is copied into memory under
	 * the lock and written to disk after it is released ({@link #copyViaMemory}); a larger one is
	 * copied straight to disk, unpaced, since pacing would only lengthen the lock.</li>
	 * <li>In-memory: only the application's data source reaches the database, so one pool
	 * connection is borrowed and the copy runs in a single step, which in memory is fast.</li>
	 * </ul>
	 * The destination is a new file that no one else opens; the source connection is never written.
	 * A restore that already holds the live database exclusively passes its own connection as
	 * {@code heldSource}, the only one that can read it then.
	 */
	Snapshot copyToStaging(SqliteDatabase db, Path staging, RunningOperation operation,
			@Nullable SQLiteConnection heldSource) throws SQLException, IOException {
		Optional<Path> file = db.file();
		if (heldSource != null) {
			return copyFileToStaging(db, heldSource, staging, operation);
		}
		if (file.isPresent()) {
			requireLiveFile(db, file.get(), "backed up");
			try (SQLiteConnection source = SqliteConnections.openLive(file.get(), this.options.busyTimeout())) {
				if (!readSnapshot(source).isWal()) {
					// Writers wait for this copy, so it reads through mmap (see SqliteConnections).
					SqliteConnections.mapForReading(source);
				}
				return copyFileToStaging(db, source, staging, operation);
			}
		}
		try (Connection pooled = db.dataSource().getConnection()) {
			Snapshot snapshot = readSnapshot(pooled);
			int rc = SqliteConnections.nativeDb(pooled)
				.backup("main", staging.toString(), this.context.progress(db, operation, CopyPacer.unpaced(), 0, 1),
						EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(), -1);
			checkCopied(db, staging, rc);
			// A single-step copy of an in-memory database reads it as it is when the copy runs.
			return snapshot.takenAt(this.context.clock().instant());
		}
	}

	private Snapshot copyFileToStaging(SqliteDatabase db, SQLiteConnection source, Path staging,
			RunningOperation operation) throws SQLException, IOException {
		boolean autoCommit = source.getAutoCommit();
		source.setAutoCommit(false);
		try {
			Snapshot snapshot = readSnapshot(source);
			if (stagesInMemory(snapshot)) {
				copyViaMemory(db, source, staging, snapshot, operation);
				return snapshot;
			}
			int rc;
			// A rollback-journal copy holds writers off: it runs unpaced and unflushed, as fast as it can.
			try (CopyPacer pacer = snapshot.isWal()
					? CopyPacer.forFile(staging, this.options.maxBytesPerSecond(), snapshot.pageSize())
					: CopyPacer.unpaced()) {
				rc = source.getDatabase()
					.backup("main", staging.toString(), this.context.progress(db, operation, pacer, 0, 1),
							EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(), pacer.pagesPerStep(this.options.pagesPerStep()));
			}
			source.rollback();
			checkCopied(db, staging, rc);
			return snapshot;
		}
		finally {
			source.setAutoCommit(autoCommit);
		}
	}

	/**
	 * The engine never creates a live database: a file that was deleted or moved (or a symlink
	 * pointed elsewhere) fails the operation instead of being replaced by an empty database whose
	 * backups would pass every check and rotate the real ones out.
	 */
	private void requireLiveFile(SqliteDatabase db, Path file, String operation) {
		if (!Files.isRegularFile(file)) {
			throw new BackupFailedException(db.name(), null, "Database '" + db.name() + "' cannot be " + operation
					+ ": its file " + file + " does not exist (was it deleted, moved, or a symlink re-pointed?); "
					+ "nothing was changed and no file was created", null);
		}
	}

	/**
	 * Rollback-journal copy in two halves: the snapshot is copied into a private in-memory
	 * database while the source's read transaction keeps writers out, the read transaction ends,
	 * and only then is the memory copy written to the staging file, paced if capped, while writers
	 * go on. Writers wait for a memory copy instead of a disk write plus its fsync: measured on
	 * 1 GiB in BENCHMARKS.md. Progress counts the two halves as one copy.
	 * <p>
	 * The in-memory database is a named shared-cache one, so that sqlite-jdbc's backup, which
	 * opens its destination by name, reaches the one this method keeps open; the name is unique
	 * to this copy and the memory is freed when the holder closes.
	 */
	private void copyViaMemory(SqliteDatabase db, SQLiteConnection source, Path staging, Snapshot snapshot,
			RunningOperation operation) throws SQLException, IOException {
		String memoryUri = "file:sqlite-backup-" + UUID.randomUUID() + "?mode=memory&cache=shared";
		try (SQLiteConnection memory = SqliteConnections.openUri(memoryUri)) {
			try (Statement statement = memory.createStatement()) {
				// An in-memory destination cannot change its page size once the copy starts.
				statement.execute("PRAGMA page_size=" + snapshot.pageSize());
			}
			int rc = source.getDatabase()
				.backup("main", memoryUri, this.context.progress(db, operation, CopyPacer.unpaced(), 0, 2),
						EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(), this.options.pagesPerStep());
			source.rollback();
			checkCopied(db, staging, rc);
			long copied = SqliteConnections.number(memory, "PRAGMA page_count");
			if (copied != snapshot.copiedPageCount()) {
				throw new BackupFailedException(db.name(), null, "Backup of database '" + db.name() + "' failed: "
						+ "the copy in memory has " + copied + " pages but the snapshot had " + snapshot.pageCount(),
						null);
			}
			try (CopyPacer pacer = CopyPacer.forFile(staging, this.options.maxBytesPerSecond(), snapshot.pageSize())) {
				rc = memory.getDatabase()
					.backup("main", staging.toString(), this.context.progress(db, operation, pacer, 1, 2),
							EngineContext.BUSY_RETRY_MILLIS, this.context.busyRetries(), pacer.pagesPerStep(this.options.pagesPerStep()));
			}
			checkCopied(db, staging, rc);
		}
	}

	/**
	 * Whether a rollback-journal copy goes through memory: within the configured limit and only
	 * while the operating system reports at least twice the database's size free, so that a
	 * backup never pushes the host into swapping. When free memory cannot be read, it does not.
	 */
	private boolean stagesInMemory(Snapshot snapshot) {
		if (snapshot.isWal() || snapshot.sizeBytes() > this.options.memoryStagingLimit()) {
			return false;
		}
		try {
			if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
				return snapshot.sizeBytes() <= os.getFreeMemorySize() / 2;
			}
		}
		catch (LinkageError ex) {
			// A runtime without the jdk.management module cannot say how much memory is free.
		}
		return false;
	}

	/** Reads what the manifest records; on a connection in a transaction this also pins the snapshot. */
	private Snapshot readSnapshot(Connection connection) throws SQLException {
		long tableCount = SqliteConnections.number(connection, "SELECT count(*) FROM sqlite_schema");
		// In a transaction the first read fixed the snapshot: this instant is at or after it.
		java.time.Instant takenAt = this.context.clock().instant();
		long pageCount = SqliteConnections.number(connection, "PRAGMA page_count");
		int pageSize = (int) SqliteConnections.number(connection, "PRAGMA page_size");
		return new Snapshot(SqliteConnections.text(connection, "PRAGMA journal_mode"),
				SqliteConnections.text(connection, "SELECT sqlite_version()"), pageCount, pageSize, tableCount, takenAt);
	}

	private void checkCopied(SqliteDatabase db, Path staging, int rc) {
		// For a backup the native code reports the destination's error code, which is where SQLite
		// records backup errors, so a non-zero code is a real failure (BUSY, CANTOPEN, FULL, ...).
		if (rc != EngineContext.SQLITE_OK) {
			throw new BackupFailedException(db.name(), null, "Backup of database '" + db.name()
					+ "' failed: SQLite could not copy it into "
					+ staging.getParent() + ": " + SqliteConnections.describe(rc), null);
		}
	}

	/**
	 * What the source looked like in the snapshot that was copied.
	 *
	 * @param takenAt an instant at or after the snapshot was fixed: a backup is dated by it, so that
	 * nothing in it was committed after its date
	 */
	record Snapshot(String journalMode, String sqliteVersion, long pageCount, int pageSize,
			long tableCount, java.time.Instant takenAt) {

		Snapshot takenAt(java.time.Instant at) {
			return new Snapshot(this.journalMode, this.sqliteVersion, this.pageCount, this.pageSize, this.tableCount, at);
		}

		boolean isWal() {
			return "wal".equalsIgnoreCase(this.journalMode);
		}

		long sizeBytes() {
			return this.pageCount * this.pageSize;
		}

		/**
		 * Pages a complete copy has. A database that was never written has no pages yet; its
		 * copy gets page 1 as soon as anything (a page size, a journal mode) is set on it.
		 */
		long copiedPageCount() {
			return Math.max(1, this.pageCount);
		}

	}

}
