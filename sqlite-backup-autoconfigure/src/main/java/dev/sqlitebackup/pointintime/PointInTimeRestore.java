package dev.sqlitebackup.pointintime;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupVerificationException;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreFailedException;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.FilePlacement;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.SqliteConnections;
import dev.sqlitebackup.engine.StoredBackupCheck.CheckedBackup;
import dev.sqlitebackup.engine.StoredBackupCheck.OpenedBackup;
import dev.sqlitebackup.engine.StoredBackupCheck;
import dev.sqlitebackup.pointintime.PointInTimePlanner.Plan;
import dev.sqlitebackup.restore.RestoreRun;

import static dev.sqlitebackup.pointintime.PointInTimePlanner.refusedPlan;

/**
 * One restore to a point in time, top to bottom: plan it ({@link PointInTimePlanner}: the snapshot
 * to start from and the segments after it, a plan with a gap refused), build the target in staging
 * (a copy of the snapshot, checked against its manifest, while {@link SegmentReplay} checks the
 * segments and collects the newest copy of each page they wrote, then merged into it), check the
 * result ({@code quick_check} and the page count the capture recorded), and copy it into the live
 * database the way {@link RestoreRun} does, or move it into a new file.
 */
public final class PointInTimeRestore {

	private static final Logger logger = LoggerFactory.getLogger(PointInTimeRestore.class);

	private final EngineContext context;

	private final BackupStore store;

	private final StoredBackupCheck check;

	private final RestoreRun restores;

	private final PointInTimePlanner planner;

	private final SegmentReplay replay;

	public PointInTimeRestore(EngineContext context, RestoreRun restores) {
		this.context = context;
		this.store = context.store();
		this.check = new StoredBackupCheck(context);
		this.restores = restores;
		this.planner = new PointInTimePlanner(context);
		this.replay = new SegmentReplay(context);
	}

	/**
	 * Restores the database to the newest state captured at or before {@code pointInTime}, or to
	 * the latest captured state when it is {@code null}.
	 */
	public PointInTimeResult run(SqliteDatabase db, @Nullable Instant pointInTime, ChainHistory.@Nullable Live live,
			boolean safetyBackup,
			RunningOperation operation) {
		long started = System.nanoTime();
		Plan plan = this.planner.plan(db.name(), pointInTime, live);
		operation.phases().end("plan");
		Backup base = startingSnapshot(db, plan);
		try {
			return build(db, plan, base, operation, (built) -> {
				RestoreResult restore = this.restores.copyCheckedIntoLive(db, base, built, plan.last().pageSize(),
						safetyBackup, operation, started);
				PointInTimeResult result = new PointInTimeResult(restore, plan.last().point(),
						plan.segments().size() - 1, plan.latest());
				logger.info("Restored database '{}' to {} (backup {} and {} segments of chain {}, {} pages) in {} ms ({}){}",
						db.name(), result.restoredTo(), base.id(), result.segments(), plan.start().chainId(),
						restore.pageCount(), restore.duration().toMillis(), operation.phases(),
						(restore.safetyBackupId() != null) ? "; the previous state is backup " + restore.safetyBackupId()
								: "");
				this.context.listeners().tell((listener) -> listener.restoreCompleted(restore));
				return result;
			});
		}
		catch (IOException | SQLException | RuntimeException ex) {
			SqliteBackupException failure = failure(db, base, "to a point in time", ex);
			Duration elapsed = Messages.elapsedSince(started);
			this.context.listeners().tell((listener) -> listener.restoreFailed(db.name(), base.id(), elapsed, failure));
			throw failure;
		}
	}

	/**
	 * Builds the newest state captured at or before {@code pointInTime} (the latest when it is
	 * {@code null}) into a new file, checked like the file a restore copies into the live database,
	 * which is left alone. The file appears whole or not at all.
	 * @throws RestoreFailedException when the file exists already, or cannot be written
	 */
	public PointInTimeResult toFile(SqliteDatabase db, @Nullable Instant pointInTime, ChainHistory.@Nullable Live live,
			Path file, RunningOperation operation) {
		long started = System.nanoTime();
		Path target = file.toAbsolutePath().normalize();
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new RestoreFailedException(db.name(), null, "Database '" + db.name() + "' was not restored into "
					+ target + ": the file exists, and a restore into a file never replaces one", null);
		}
		Plan plan = this.planner.plan(db.name(), pointInTime, live);
		operation.phases().end("plan");
		Backup base = startingSnapshot(db, plan);
		try {
			return build(db, plan, base, operation, (built) -> {
				FilePlacement.moveInto(built, target);
				operation.phases().end("move into place");
				RestoreResult restore = new RestoreResult(db.name(), base.id(), null, this.context.clock().instant(),
						plan.last().pageCount(), Messages.elapsedSince(started));
				logger.info("Restored database '{}' as of {} into {} (backup {} and {} segments of chain {}) in {} ms ({})",
						db.name(), plan.last().capturedAt(), target, base.id(), plan.segments().size() - 1,
						plan.start().chainId(), restore.duration().toMillis(), operation.phases());
				return new PointInTimeResult(restore, plan.last().point(), plan.segments().size() - 1, plan.latest());
			});
		}
		catch (IOException | SQLException | RuntimeException ex) {
			throw failure(db, base, "into " + target, ex);
		}
	}

	/** What a failed restore reports, logged once: the engine's own exception, or one naming the cause. */
	private static SqliteBackupException failure(SqliteDatabase db, Backup base, String where, Exception ex) {
		SqliteBackupException failure = (ex instanceof SqliteBackupException known) ? known
				: new RestoreFailedException(db.name(), base.id(), "Restore of database '" + db.name() + "' " + where
						+ " failed: " + Messages.describe(ex), ex);
		logger.warn(failure.getMessage());
		return failure;
	}

	/** The backup the plan starts from: trusted, and the bytes its snapshot segment names. */
	private Backup startingSnapshot(SqliteDatabase db, Plan plan) {
		Backup base = plan.base();
		String untrusted = this.context.authenticity().refusal(base);
		if (untrusted != null) {
			throw refusedPlan(db.name(), "the snapshot its plan starts from, backup " + base.id() + ", is refused: "
					+ untrusted);
		}
		if (!plan.start().snapshotBytesSha256().equals(base.sha256())) {
			throw refusedPlan(db.name(), "snapshot " + plan.start().sequence() + " of chain " + plan.start().chainId()
					+ " does not name the bytes of backup " + base.id());
		}
		return base;
	}

	/**
	 * Builds the plan's state in staging and hands the checked file to {@code use}; the staging
	 * files are gone when it returns.
	 */
	private <T> T build(SqliteDatabase db, Plan plan, Backup base, RunningOperation operation, Use<T> use)
			throws IOException, SQLException {
		try (StagingFile newestPages = this.store.newStagingFile(db.name(), base.id() + "-point-in-time-pages")) {
			// The segments are checked, and their newest pages collected, on a core of their own while
			// the snapshot is copied and hashed: neither waits for the other.
			CompletableFuture<BitSet> collected = onThreadOfItsOwn("sqlite-backup-segments",
					() -> this.replay.collectNewestPages(db, plan, newestPages.path()));
			try (OpenedBackup opened = this.check.openWritableCopy(db, base, "-point-in-time")) {
				CheckedBackup target = opened.checked();
				operation.phases().end("snapshot");
				BitSet pages = await(collected);
				operation.phases().end("segments");
				SegmentReplay.mergeNewestPages(newestPages.path(), pages, plan.last(), target.plainFile());
				operation.phases().end("segment pages");
				logger.debug("The segments of the restore of database '{}' wrote {} distinct pages", db.name(),
						pages.cardinality());
				// The copy into the live database is slower from a file whose pages are still being
				// written back (measured: about a quarter); they are written back while SQLite checks it.
				CompletableFuture<Void> writtenBack = writeBack(target.plainFile());
				checkBuilt(db, target.plainFile(), plan.last().pageCount());
				writtenBack.join();
				operation.phases().end("build check");
				return use.apply(target.plainFile());
			}
			finally {
				// Never leave it reading segments after the restore let go of the database.
				collected.handle((pages, failure) -> null).join();
			}
		}
	}

	/** What is done with the built, checked file. */
	@FunctionalInterface
	private interface Use<T> {

		T apply(Path built) throws IOException, SQLException;

	}

	private static <T> CompletableFuture<T> onThreadOfItsOwn(String name, Work<T> work) {
		CompletableFuture<T> result = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				result.complete(work.run());
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		return result;
	}

	private static <T> T await(CompletableFuture<T> future) throws IOException {
		try {
			return future.join();
		}
		catch (java.util.concurrent.CompletionException ex) {
			if (ex.getCause() instanceof IOException io) {
				throw io;
			}
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	/** Work that may fail with an I/O error. */
	@FunctionalInterface
	private interface Work<T> {

		T run() throws IOException;

	}

	/** Writes the built file's pages to disk on another thread; a failure only costs the time it would save. */
	private static CompletableFuture<Void> writeBack(Path built) {
		return onThreadOfItsOwn("sqlite-backup-write-back", () -> {
			try (FileChannel channel = FileChannel.open(built, StandardOpenOption.WRITE)) {
				channel.force(false);
			}
			catch (IOException ex) {
				logger.debug("Could not write back {}: {}", built, ex.getMessage());
			}
			return null;
		});
	}

	/** The database built in staging must pass {@code quick_check} and have the page count the capture recorded. */
	public static void checkBuilt(SqliteDatabase db, Path built, long pageCount) {
		List<String> problems;
		long actual;
		try (SQLiteConnection connection = SqliteConnections.open(built, Duration.ZERO)) {
			// Frames of page 1 say "WAL" in the header; the built file must stand alone like any backup.
			SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			problems = SqliteConnections.check(connection, VerifyMode.QUICK);
			actual = SqliteConnections.number(connection, "PRAGMA page_count");
		}
		catch (SQLException ex) {
			// SQLite gives up on some damage with an error instead of a list of problems.
			problems = List.of("SQLite cannot read it: " + ex.getMessage());
			actual = pageCount;
		}
		if (!problems.isEmpty() || actual != pageCount) {
			throw new BackupVerificationException(db.name(), null, "The database built for the restore of '"
					+ db.name() + "' fails its check (" + (problems.isEmpty() ? actual + " pages instead of "
							+ pageCount : String.join("; ", problems)) + "); the live database was not changed");
		}
	}

	/** The instants a restore to a point in time can reach, or {@code null} when no chain has a snapshot. */
	public @Nullable RestoreWindow window(String database) {
		return this.planner.window(database, null);
	}

}
