package dev.sqlitebackup.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.RestoreFailedException;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.UntrustedBackupException;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Listeners;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;
import dev.sqlitebackup.engine.StoredBackupCheck;
import dev.sqlitebackup.engine.StoredBackupCheck.CheckedBackup;
import dev.sqlitebackup.engine.StoredBackupCheck.OpenedBackup;

/**
 * One restore, top to bottom: refuse an untrusted backup, check the stored backup, read the live
 * database, convert the page size if SQLite needs it, copy into the live database with the safety
 * backup taken inside the copy's lock, confirm, tell the listeners.
 */
public final class RestoreRun {

	private static final Logger logger = LoggerFactory.getLogger(RestoreRun.class);

	private final EngineContext context;

	private final BackupStore store;

	private final Listeners listeners;

	private final StoredBackupCheck check;

	private final LiveCopy liveCopy;

	private final BackupRun backups;

	public RestoreRun(EngineContext context) {
		this.context = context;
		this.store = context.store();
		this.listeners = context.listeners();
		this.check = new StoredBackupCheck(context);
		this.liveCopy = new LiveCopy(context);
		this.backups = new BackupRun(context);
	}

	/**
	 * Refuses a backup that cannot be trusted under the configured encryption, before anything is
	 * read from the store or changed; reported to the listeners like any other failed restore.
	 */
	private void refuseUntrusted(SqliteDatabase db, Backup backup) {
		String refusal = this.context.authenticity().refusal(backup);
		if (refusal == null) {
			switch (this.context.authenticity().trustOf(backup)) {
				case PRE_MAC -> logger.info("Backup {} of database '{}' was taken before manifests were authenticated; "
						+ "it is restored only if its bytes decrypt with key '{}'", backup.id(), db.name(),
						backup.encryptionKeyId());
				case UNENCRYPTED -> logger.warn("Backup {} of database '{}' is not encrypted and cannot be "
						+ "authenticated; it is restored because unencrypted restores are allowed", backup.id(),
						db.name());
				default -> {
				}
			}
			return;
		}
		UntrustedBackupException failure = new UntrustedBackupException(db.name(), backup.id(), "Backup " + backup.id()
				+ " of database '" + db.name() + "' is refused: " + refusal + "; the live database was not changed");
		logger.warn(failure.getMessage());
		this.listeners.tell((listener) -> listener.restoreFailed(db.name(), backup.id(), Duration.ZERO, failure));
		throw failure;
	}

	/** Restores a backup into the live database of a database the caller holds. */
	public RestoreResult run(SqliteDatabase db, Backup backup, boolean safetyBackup, RunningOperation operation) {
		refuseUntrusted(db, backup);
		long started = System.nanoTime();
		try (OpenedBackup opened = this.check.openForRestore(db, backup)) {
			CheckedBackup checked = opened.checked();
			operation.phases().end("check");
			RestoreResult result = copyCheckedIntoLive(db, backup, checked.plainFile(), checked.facts().pageSize(),
					safetyBackup, operation, started);
			logger.info("Restored database '{}' from backup {} ({} pages) in {} ms ({}){}", db.name(), backup.id(),
					result.pageCount(), result.duration().toMillis(), operation.phases(),
					(result.safetyBackupId() != null) ? "; the previous state is backup " + result.safetyBackupId() : "");
			this.listeners.tell((listener) -> listener.restoreCompleted(result));
			return result;
		}
		catch (RuntimeException | IOException | SQLException ex) {
			SqliteBackupException failure = (ex instanceof SqliteBackupException known) ? known
					: new RestoreFailedException(db.name(), backup.id(), "Restore of database '" + db.name()
							+ "' from backup " + backup.id() + " failed: " + Messages.describe(ex), ex);
			logger.warn(failure.getMessage());
			Duration elapsed = Messages.elapsedSince(started);
			this.listeners.tell((listener) -> listener.restoreFailed(db.name(), backup.id(), elapsed, failure));
			throw failure;
		}
	}

	/**
	 * Copies a plain database file that passed its checks into the live database: the live file must
	 * exist, the page size is converted if SQLite needs it, and the safety backup is taken inside the
	 * copy's lock. A restore to a point in time comes in here with the file it built.
	 * @param backup the backup the file holds or, for a point in time, the one its chain starts from
	 */
	public RestoreResult copyCheckedIntoLive(SqliteDatabase db, Backup backup, Path plainFile, int pageSize,
			boolean safetyBackup, RunningOperation operation, long started) throws IOException, SQLException {
		requireLiveFile(db, backup);
		LiveCopy.LiveFacts live = this.liveCopy.readLive(db);
		try (StagingFile converted = live.needsPageSize(pageSize) ? convertPageSize(db, backup, plainFile, live.pageSize())
				: null) {
			if (converted != null) {
				operation.phases().end("page size conversion");
			}
			Path source = (converted != null) ? converted.path() : plainFile;
			SafetyBackup safety = new SafetyBackup(this.backups, db, backup, operation, safetyBackup);
			long pageCount = this.liveCopy.copyIntoLive(db, backup, source, live, safety, operation);
			return new RestoreResult(db.name(), backup.id(), safety.id(), this.context.clock().instant(), pageCount,
					Messages.elapsedSince(started));
		}
	}

	/** The engine never creates a live database, nor restores into a file the application no longer uses. */
	private static void requireLiveFile(SqliteDatabase db, Backup backup) {
		Optional<Path> liveFile = db.file();
		if (liveFile.isPresent() && !Files.isRegularFile(liveFile.get())) {
			throw new RestoreFailedException(db.name(), backup.id(), "Database '" + db.name()
					+ "' cannot be restored: its file " + liveFile.get() + " does not exist (was it deleted, "
					+ "moved, or a symlink re-pointed?); nothing was changed and no file was created", null);
		}
	}

	/**
	 * SQLite's backup API cannot change the page size of a WAL-mode or in-memory destination
	 * (measured: it fails with SQLITE_READONLY). Such a restore goes through a copy of the backup
	 * rebuilt with the live page size by {@code VACUUM}, which keeps every row and changes only
	 * the layout.
	 */
	private StagingFile convertPageSize(SqliteDatabase db, Backup backup, Path source, int pageSize)
			throws IOException, SQLException {
		StagingFile converted = this.store.newStagingFile(db.name(), backup.id() + "-page-size-" + pageSize);
		try {
			rebuild(db, backup, source, converted.path(), pageSize);
			return converted;
		}
		catch (IOException | SQLException | RuntimeException ex) {
			converted.close();
			throw ex;
		}
	}

	private void rebuild(SqliteDatabase db, Backup backup, Path source, Path converted, int pageSize)
			throws IOException, SQLException {
		Files.copy(source, converted);
		try (SQLiteConnection connection = SqliteConnections.open(converted, Duration.ZERO);
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA page_size=" + pageSize);
			statement.execute("VACUUM");
			long actual = SqliteConnections.number(connection, "PRAGMA page_size");
			if (actual != pageSize) {
				throw new RestoreFailedException(db.name(), backup.id(), "Backup " + backup.id()
						+ " has a different page size than the live database and could not be converted to "
						+ pageSize + " bytes; the live database was not changed", null);
			}
		}
		logger.info("Backup {} of database '{}' was rebuilt with the live page size of {} bytes before restoring",
				backup.id(), db.name(), pageSize);
	}

}
