package dev.sqlitebackup.recovery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.OperationType;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreDrillCheck;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.engine.DatabaseHolds;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;
import dev.sqlitebackup.engine.StoredBackupCheck;
import dev.sqlitebackup.pointintime.PointInTimeRestore;
import dev.sqlitebackup.restore.RestoreRun;

/**
 * One restore drill, top to bottom: from the store a disaster needs (the bucket when backups are
 * also kept locally), read the newest backup, or with continuous backup the latest captured point,
 * checked against its manifest and built into a scratch copy in staging; then, with the database
 * let go, run SQLite's full {@code integrity_check} on the copy, compare its page count with the
 * one recorded, and hand it read-only to the application's checks; delete it. The live database is
 * never touched, and backups and capture wait only while the store is read.
 */
public final class RestoreDrill {

	private static final Logger logger = LoggerFactory.getLogger(RestoreDrill.class);

	private final EngineContext context;

	private final DatabaseHolds holds;

	public RestoreDrill(EngineContext context, DatabaseHolds holds) {
		this.context = context;
		this.holds = holds;
	}

	/**
	 * Runs a drill of the database; a failed restore or check is a drill that did not pass, not an exception.
	 * @throws OperationInProgressException when another operation holds the database
	 */
	public RestoreDrillResult run(SqliteDatabase db, List<RestoreDrillCheck> checks) {
		Instant checkedAt = this.context.clock().instant();
		long started = System.nanoTime();
		EngineContext store = storeADisasterNeeds(db);
		List<String> problems = new ArrayList<>();
		List<RestoreDrillResult.CheckOutcome> outcomes = new ArrayList<>();
		Scratch scratch = null;
		Attempt attempt = new Attempt();
		try (RunningOperation operation = this.holds.hold(db, OperationType.DRILL)) {
			scratch = readBack(db, store, operation, attempt, problems);
		}
		try {
			if (scratch != null) {
				checkScratch(scratch, problems);
				if (problems.isEmpty()) {
					runChecks(scratch.file(), checks, outcomes, problems);
				}
			}
		}
		finally {
			if (scratch != null) {
				deleteScratch(scratch.staging());
			}
		}
		RestoreDrillResult result = new RestoreDrillResult(db.name(), problems.isEmpty(), attempt.backupId,
				attempt.restoredTo, attempt.stateAt, checkedAt, Messages.elapsedSince(started), problems, outcomes);
		log(result);
		return result;
	}

	private EngineContext storeADisasterNeeds(SqliteDatabase db) {
		BackupStore store = this.context.store().disasterCopy(db.name());
		return (store == this.context.store()) ? this.context
				: new EngineContext(store, this.context.options(), this.context.clock(), this.context.authenticity(),
						this.context.listeners());
	}

	/**
	 * Reads the newest state back from the store into a scratch file; {@code null}, with the reason
	 * in {@code problems}, when there is none or it cannot be read.
	 */
	private @Nullable Scratch readBack(SqliteDatabase db, EngineContext store, RunningOperation operation,
			Attempt attempt, List<String> problems) {
		PointInTimeRestore pointInTime = new PointInTimeRestore(store, new RestoreRun(store));
		LatestState latest;
		try {
			latest = LatestState.read(store, pointInTime, db.name());
		}
		catch (SqliteBackupException ex) {
			problems.add("The store cannot say what it holds: " + ex.getMessage());
			return null;
		}
		operation.phases().end("list");
		if (latest.isEmpty()) {
			problems.add("The store holds no backup of database '" + db.name() + "' to restore");
			return null;
		}
		StagingFile staging = null;
		try {
			staging = scratchFile(db, store);
			Path file = staging.path();
			if (latest.isCapturedPoint()) {
				attempt.restoredTo = latest.window().to();
				attempt.stateAt = latest.window().to();
				PointInTimeResult restored = pointInTime.toFile(db, null, null, file, operation);
				attempt.backupId = restored.restore().restoredFrom();
				attempt.restoredTo = restored.restoredTo();
				attempt.stateAt = restored.restoredTo();
				return new Scratch(staging, restored.restore().pageCount());
			}
			Backup backup = Objects.requireNonNull(latest.newestBackup());
			attempt.backupId = backup.id();
			attempt.stateAt = backup.createdAt();
			try (StoredBackupCheck.OpenedBackup opened = new StoredBackupCheck(store).openWritableCopy(db, backup,
					"-drill-copy")) {
				Files.move(opened.checked().plainFile(), file);
			}
			operation.phases().end("read");
			return new Scratch(staging, backup.pageCount());
		}
		catch (IOException | RuntimeException ex) {
			problems.add((ex instanceof SqliteBackupException) ? ex.getMessage()
					: "Reading the newest state back failed: " + Messages.describe(ex));
			if (staging != null) {
				deleteScratch(staging);
			}
			return null;
		}
	}

	/**
	 * A staging file for the scratch copy, with nothing there yet: a restore into a file never
	 * replaces one. Named like any staging file, so that a drill killed midway leaves nothing that
	 * the store's clean-up does not remove.
	 */
	private StagingFile scratchFile(SqliteDatabase db, EngineContext store) throws IOException {
		StagingFile staging = store.store()
			.newStagingFile(db.name(), BackupIds.next(this.context.clock().instant()) + "-drill");
		Files.deleteIfExists(staging.path());
		return staging;
	}

	/** SQLite's full check and the page count the backup or the chain recorded. */
	private static void checkScratch(Scratch scratch, List<String> problems) {
		try (SQLiteConnection connection = SqliteConnections.open(scratch.file(), Duration.ZERO)) {
			SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			List<String> found = SqliteConnections.check(connection, VerifyMode.FULL);
			if (!found.isEmpty()) {
				problems.add("integrity_check of the restored copy: " + String.join("; ", found));
			}
			long pages = SqliteConnections.number(connection, "PRAGMA page_count");
			if (pages != scratch.pageCount()) {
				problems.add("The restored copy has " + pages + " pages where " + scratch.pageCount() + " were recorded");
			}
		}
		catch (SQLException ex) {
			problems.add("SQLite cannot read the restored copy: " + ex.getMessage());
		}
	}

	private static void runChecks(Path file, List<RestoreDrillCheck> checks,
			List<RestoreDrillResult.CheckOutcome> outcomes, List<String> problems) {
		for (int i = 0; i < checks.size(); i++) {
			RestoreDrillCheck check = checks.get(i);
			String name = nameOf(check, i);
			try (SQLiteConnection connection = SqliteConnections.openReadOnly(file)) {
				outcomes.add(new RestoreDrillResult.CheckOutcome(name, true, check.check(connection)));
			}
			catch (Exception ex) {
				String message = (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
				outcomes.add(new RestoreDrillResult.CheckOutcome(name, false, message));
				problems.add("Check '" + name + "' failed: " + message);
			}
		}
	}

	/** A lambda's class name says nothing to a reader; its place among the checks does. */
	private static String nameOf(RestoreDrillCheck check, int index) {
		String name = check.name();
		return (name == null || name.isBlank() || name.contains("$$Lambda") || name.contains("$Lambda"))
				? "check " + (index + 1) : name;
	}

	/** Closing the staging file deletes the copy and SQLite's side files of it. */
	private static void deleteScratch(StagingFile staging) {
		staging.close();
	}

	private static void log(RestoreDrillResult result) {
		String what = (result.restoredTo() != null) ? "latest point " + result.restoredTo()
				+ ((result.backupId() != null) ? " (snapshot " + result.backupId() + ")" : "")
				: (result.backupId() != null) ? "backup " + result.backupId() : "nothing";
		if (result.passed()) {
			logger.info("Restore drill of database '{}' passed: {} read back, restored and checked in {} ms", result.database(),
					what, result.duration().toMillis());
		}
		else {
			logger.warn("Restore drill of database '{}' FAILED ({}): {}", result.database(), what,
					String.join("; ", result.problems()));
		}
	}

	/** What a drill set out to read back: the backup, or the point of continuous backup. */
	private static final class Attempt {

		private @Nullable String backupId;

		private @Nullable Instant restoredTo;

		private @Nullable Instant stateAt;

	}

	/** The newest state, read back into a scratch file, and the page count recorded for it. */
	private record Scratch(StagingFile staging, long pageCount) {

		Path file() {
			return this.staging.path();
		}

	}

}
