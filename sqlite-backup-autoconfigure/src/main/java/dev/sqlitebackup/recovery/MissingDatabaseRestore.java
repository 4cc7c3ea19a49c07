package dev.sqlitebackup.recovery;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreFailedException;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.StartupRestoreResult;
import dev.sqlitebackup.UntrustedBackupException;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.FilePlacement;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;
import dev.sqlitebackup.engine.StoredBackupCheck;
import dev.sqlitebackup.pointintime.PointInTimeRestore;
import dev.sqlitebackup.restore.RestoreRun;

/**
 * Brings back a database that is missing or empty, as on a new machine whose disk was lost: the
 * latest restorable state in the store (the latest captured point of continuous backup, else the
 * newest backup) is built and checked in staging and put in place as a new file, which appears
 * whole or not at all. A database that is there is never touched; with nothing stored the
 * database stays as it is.
 */
public final class MissingDatabaseRestore {

	private static final Logger logger = LoggerFactory.getLogger(MissingDatabaseRestore.class);

	/** Files SQLite opens beside a database, which must not meet a database they do not belong to. */
	private static final List<String> COMPANION_SUFFIXES = List.of("-wal", "-shm", "-journal");

	private final EngineContext context;

	private final StoredBackupCheck check;

	private final RestoreRun restores;

	private final PointInTimeRestore pointInTimeRestores;

	public MissingDatabaseRestore(EngineContext context, RestoreRun restores, PointInTimeRestore pointInTimeRestores) {
		this.context = context;
		this.check = new StoredBackupCheck(context);
		this.restores = restores;
		this.pointInTimeRestores = pointInTimeRestores;
	}

	/**
	 * Restores the database into {@code file} when that is missing or empty; an in-memory database
	 * ({@code file} {@code null}) when it holds no table.
	 * @throws BackupListingException when the store cannot say what it holds
	 * @throws SqliteBackupException when the restore fails; the file is then still missing
	 */
	public StartupRestoreResult run(SqliteDatabase db, @Nullable Path file, RunningOperation operation) {
		long started = System.nanoTime();
		if (file == null) {
			return inMemory(db, operation, started);
		}
		Path target = file.toAbsolutePath().normalize();
		if (!isMissingOrEmpty(db, target)) {
			return result(db, StartupRestoreResult.Outcome.PRESENT, target, null, null, null, 0, started);
		}
		LatestState latest = LatestState.read(this.context, this.pointInTimeRestores, db.name());
		operation.phases().end("list");
		if (latest.isEmpty()) {
			logger.info("Database '{}' is missing at {} and the store holds no backup of it: it starts empty",
					db.name(), target);
			return result(db, StartupRestoreResult.Outcome.NOTHING_STORED, target, null, null, null, 0, started);
		}
		try {
			clearTheWay(db, target);
			StartupRestoreResult result;
			if (latest.isCapturedPoint()) {
				PointInTimeResult restored = this.pointInTimeRestores.toFile(db, null, null, target, operation);
				// Continuous backup captures WAL databases only; the built file stands alone in rollback-journal mode.
				setJournalMode(target, "wal");
				result = result(db, StartupRestoreResult.Outcome.RESTORED, target, restored.restore().restoredFrom(),
						restored.point(), restored.restoredTo(), Files.size(target), started);
			}
			else {
				Backup backup = Objects.requireNonNull(latest.newestBackup());
				restoreBackupInto(db, backup, target, operation);
				setJournalMode(target, backup.journalMode());
				result = result(db, StartupRestoreResult.Outcome.RESTORED, target, backup.id(), null,
						backup.createdAt(), Files.size(target), started);
			}
			logRestored(result);
			return result;
		}
		catch (IOException | SQLException ex) {
			throw new RestoreFailedException(db.name(),
					(latest.newestBackup() != null) ? latest.newestBackup().id() : null, "Database '" + db.name()
					+ "' could not be restored into " + target + ": " + Messages.describe(ex), ex);
		}
	}

	private StartupRestoreResult inMemory(SqliteDatabase db, RunningOperation operation, long started) {
		if (tableCount(db) > 0) {
			return result(db, StartupRestoreResult.Outcome.PRESENT, null, null, null, null, 0, started);
		}
		Backup newest = LatestState.read(this.context, this.pointInTimeRestores, db.name()).newestBackup();
		if (newest == null) {
			logger.info("In-memory database '{}' is empty and the store holds no backup of it: it starts empty",
					db.name());
			return result(db, StartupRestoreResult.Outcome.NOTHING_STORED, null, null, null, null, 0, started);
		}
		Backup backup = newest;
		RestoreResult restored = this.restores.run(db, backup, false, operation);
		StartupRestoreResult result = result(db, StartupRestoreResult.Outcome.RESTORED, null, backup.id(), null,
				backup.createdAt(), restored.pageCount() * backup.pageSize(), started);
		logRestored(result);
		return result;
	}

	/**
	 * Builds a backup into a new file, checked against its manifest and by SQLite: a standalone
	 * database in rollback-journal mode, which appears whole or not at all. The live database is
	 * left alone.
	 * @throws RestoreFailedException when the file exists, or cannot be written
	 * @throws SqliteBackupException when the backup is refused or fails its checks
	 */
	public RestoreResult toFile(SqliteDatabase db, Backup backup, Path file, RunningOperation operation) {
		long started = System.nanoTime();
		Path target = file.toAbsolutePath().normalize();
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new RestoreFailedException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
					+ db.name() + "' was not restored into " + target + ": the file exists, and a restore into a file "
					+ "never replaces one", null);
		}
		String refusal = this.context.authenticity().refusal(backup);
		if (refusal != null) {
			throw new UntrustedBackupException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
					+ db.name() + "' is refused: " + refusal);
		}
		try {
			restoreBackupInto(db, backup, target, operation);
		}
		catch (IOException | SQLException ex) {
			throw new RestoreFailedException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
					+ db.name() + "' could not be restored into " + target + ": " + Messages.describe(ex), ex);
		}
		logger.info("Restored backup {} of database '{}' into {} in {} ms ({})", backup.id(), db.name(), target,
				Messages.elapsedSince(started).toMillis(), operation.phases());
		return new RestoreResult(db.name(), backup.id(), null, this.context.clock().instant(), backup.pageCount(),
				Messages.elapsedSince(started));
	}

	/** Copies the backup, checked against its manifest and by SQLite, into place as a new file. */
	private void restoreBackupInto(SqliteDatabase db, Backup backup, Path target, RunningOperation operation)
			throws IOException, SQLException {
		try (StoredBackupCheck.OpenedBackup opened = this.check.openWritableCopy(db, backup, "-startup")) {
			Path copy = opened.checked().plainFile();
			operation.phases().end("copy");
			PointInTimeRestore.checkBuilt(db, copy, backup.pageCount());
			operation.phases().end("check");
			FilePlacement.moveInto(copy, target);
			operation.phases().end("move into place");
		}
	}

	/**
	 * Moves aside what SQLite would otherwise read into the restored database: the empty file
	 * itself, and a WAL, shared-memory or journal file left by the database that was lost. They
	 * are kept under another name, not deleted: nothing is lost.
	 */
	private static void clearTheWay(SqliteDatabase db, Path target) throws IOException {
		Files.deleteIfExists(target);
		deleteUnfinishedPlacements(target);
		String stamp = Long.toString(System.currentTimeMillis());
		for (String suffix : COMPANION_SUFFIXES) {
			Path companion = target.resolveSibling(target.getFileName() + suffix);
			if (Files.exists(companion, LinkOption.NOFOLLOW_LINKS)) {
				Path aside = companion.resolveSibling(companion.getFileName() + ".orphaned-" + stamp);
				Files.move(companion, aside);
				logger.warn("Database '{}' was missing but {} was there ({} bytes); it was moved to {} so that "
						+ "SQLite does not read it into the restored database", db.name(), companion, Files.size(aside),
						aside);
			}
		}
	}

	/** A restore killed while it put its file in place leaves the file's temporary name behind. */
	private static void deleteUnfinishedPlacements(Path target) throws IOException {
		Path folder = target.getParent();
		if (folder == null || !Files.isDirectory(folder)) {
			return;
		}
		try (DirectoryStream<Path> unfinished = Files.newDirectoryStream(folder,
				FilePlacement.temporaryNamePattern(target))) {
			for (Path file : unfinished) {
				Files.deleteIfExists(file);
			}
		}
	}

	private static boolean isMissingOrEmpty(SqliteDatabase db, Path file) {
		try {
			return !Files.exists(file) || (Files.isRegularFile(file) && Files.size(file) == 0);
		}
		catch (IOException ex) {
			throw new RestoreFailedException(db.name(), null, "Cannot tell whether database '" + db.name()
					+ "' is missing at " + file + ": " + Messages.describe(ex), ex);
		}
	}

	private static void setJournalMode(Path file, String journalMode) throws SQLException {
		if (!"wal".equalsIgnoreCase(journalMode)) {
			return;
		}
		try (SQLiteConnection connection = SqliteConnections.open(file, Duration.ZERO)) {
			SqliteConnections.text(connection, "PRAGMA journal_mode=WAL");
		}
	}

	private static long tableCount(SqliteDatabase db) {
		try (Connection connection = db.dataSource().getConnection()) {
			return SqliteConnections.number(connection, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
		}
		catch (SQLException ex) {
			throw new SqliteBackupException(db.name(), null,
					"Cannot open in-memory database '" + db.name() + "': " + ex.getMessage(), ex);
		}
	}

	private StartupRestoreResult result(SqliteDatabase db, StartupRestoreResult.Outcome outcome, @Nullable Path file,
			@Nullable String backupId, @Nullable ChainPoint point, @Nullable Instant stateAt, long bytes,
			long started) {
		return new StartupRestoreResult(db.name(), outcome, file, backupId, point, stateAt, bytes,
				Messages.elapsedSince(started));
	}

	/** An age as a person says it: seconds, minutes, hours or days. */
	private static String roughly(Duration age) {
		long seconds = Math.max(0, age.toSeconds());
		if (seconds < 120) {
			return seconds + " s";
		}
		if (seconds < 2 * 3600) {
			return (seconds / 60) + " min";
		}
		return (seconds < 2 * 86400) ? (seconds / 3600) + " h" : (seconds / 86400) + " days";
	}

	private void logRestored(StartupRestoreResult result) {
		Instant stateAt = result.stateAt();
		Duration age = (stateAt != null) ? Duration.between(stateAt, this.context.clock().instant()) : Duration.ZERO;
		logger.info("Database '{}' was missing and was restored{} from {} as of {} ({} old, {} bytes) in {} ms",
				result.database(), (result.file() != null) ? " into " + result.file() : "",
				(result.point() != null) ? "chain " + result.point().chainId() + " (point " + result.point().sequence()
						+ ", backup " + result.backupId() + " plus segments)" : "backup " + result.backupId(),
				stateAt, roughly(age), result.bytes(), result.duration().toMillis());
	}

}
