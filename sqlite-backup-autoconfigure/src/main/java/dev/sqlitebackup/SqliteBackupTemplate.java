package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.continuous.ContinuousBackups;
import dev.sqlitebackup.engine.DatabaseHolds;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Listeners;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.StoredBackupCheck;
import dev.sqlitebackup.pointintime.ChainHistory;
import dev.sqlitebackup.pointintime.PointInTimeRestore;
import dev.sqlitebackup.recovery.MissingDatabaseRestore;
import dev.sqlitebackup.recovery.RestoreDrill;
import dev.sqlitebackup.restore.RestoreRun;
import dev.sqlitebackup.retention.PruneRun;

/**
 * Front door of the engine: backs up, lists, verifies, restores, deletes and prunes backups of
 * named SQLite databases. Every operation on a database holds that database exclusively for its
 * duration; a concurrent one fails fast with {@link OperationInProgressException}.
 *
 * <p>
 * A backup is: take the database, copy a consistent snapshot with SQLite's online backup API into
 * a staging file, verify it, publish it (bytes, then manifest), tell the listeners. A restore is:
 * take the database, resolve and check the backup, take a safety backup, copy the backup into the
 * live database, confirm the result. Each step either completes or leaves the previous state.
 */
public class SqliteBackupTemplate {

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupTemplate.class);

	private final Map<String, SqliteDatabase> databases;

	private final BackupStore store;

	private final BackupOptions options;

	private final Clock clock;

	private final BackupAuthenticity authenticity;

	private final DatabaseHolds holds;

	private final Listeners listeners = new Listeners();

	private final EngineContext context;

	private final BackupRun backups;

	private final RestoreRun restores;

	private final StoredBackupCheck checks;

	private final PointInTimeRestore pointInTimeRestores;

	private final PruneRun prunes;

	private final MissingDatabaseRestore missingRestores;

	private final RestoreDrill drills;

	private final List<RestoreDrillCheck> drillChecks = new CopyOnWriteArrayList<>();

	private final Map<String, RestoreDrillResult> lastDrills = new ConcurrentHashMap<>();

	private final ContinuousBackups continuous;

	public SqliteBackupTemplate(Collection<SqliteDatabase> databases, BackupStore store, BackupOptions options) {
		this(databases, store, options, Clock.systemUTC());
	}

	public SqliteBackupTemplate(Collection<SqliteDatabase> databases, BackupStore store, BackupOptions options,
			Clock clock) {
		Map<String, SqliteDatabase> byName = new LinkedHashMap<>();
		for (SqliteDatabase database : databases) {
			if (byName.putIfAbsent(database.name(), database) != null) {
				throw new IllegalArgumentException("Two databases are named '" + database.name() + "'");
			}
		}
		this.databases = Map.copyOf(byName);
		this.store = Objects.requireNonNull(store, "store");
		this.options = Objects.requireNonNull(options, "options");
		this.clock = Objects.requireNonNull(clock, "clock");
		this.authenticity = new BackupAuthenticity(options.storedForm().encryption());
		this.holds = new DatabaseHolds(this.store);
		this.context = new EngineContext(this.store, this.options, this.clock, this.authenticity, this.listeners);
		this.backups = new BackupRun(this.context);
		this.restores = new RestoreRun(this.context);
		this.checks = new StoredBackupCheck(this.context);
		this.pointInTimeRestores = new PointInTimeRestore(this.context, this.restores);
		this.prunes = new PruneRun(this.context);
		this.missingRestores = new MissingDatabaseRestore(this.context, this.restores, this.pointInTimeRestores);
		this.drills = new RestoreDrill(this.context, this.holds);
		this.continuous = new ContinuousBackups(this.context, this.backups, this.pointInTimeRestores, this.holds);
	}

	/** Registers a listener for completed and failed operations and progress. */
	public void addListener(BackupListener listener) {
		this.listeners.add(Objects.requireNonNull(listener, "listener"));
	}

	/** Names of the databases this template backs up. */
	public Set<String> getDatabaseNames() {
		return this.databases.keySet();
	}

	/**
	 * The database with this name.
	 * @throws DatabaseNotFoundException when there is none
	 */
	public SqliteDatabase getDatabase(String name) {
		SqliteDatabase database = this.databases.get(name);
		if (database == null) {
			throw new DatabaseNotFoundException(name, this.databases.keySet());
		}
		return database;
	}

	/** Store the backups are kept in. */
	public BackupStore getStore() {
		return this.store;
	}

	/** Options the template copies and checks with. */
	public BackupOptions getOptions() {
		return this.options;
	}

	/** Which backups can be trusted under the configured encryption. */
	public BackupAuthenticity getAuthenticity() {
		return this.authenticity;
	}

	/** The operation running on a database right now, with its progress, if any. */
	public Optional<OperationStatus> currentOperation(String database) {
		return this.holds.current(getDatabase(database).name());
	}

	/** Published backups of a database, newest first. */
	public List<Backup> list(String database) {
		return listed(getDatabase(database).name());
	}

	/**
	 * One published backup.
	 * @throws InvalidBackupIdException when the id cannot be an id
	 * @throws BackupNotFoundException when the store does not list it
	 */
	public Backup get(String database, String backupId) {
		String name = getDatabase(database).name();
		if (!BackupIds.isWellFormed(backupId)) {
			throw new InvalidBackupIdException(name);
		}
		return found(name, backupId).orElseThrow(() -> new BackupNotFoundException(name, backupId));
	}

	/**
	 * Where each backup of a database is kept, by id: {@code local}, {@code s3}, or both when
	 * recent backups are kept locally as well as in a bucket.
	 * @throws BackupListingException when the store cannot list the backups
	 */
	public Map<String, List<String>> locations(String database) {
		String name = getDatabase(database).name();
		return this.context.fromStore(name, () -> this.store.locations(name));
	}

	/**
	 * Published backups of a database, newest first, with where each is kept, from one listing of
	 * the store.
	 * @throws BackupListingException when the store cannot list the backups
	 */
	public BackupStore.Catalog catalog(String database) {
		String name = getDatabase(database).name();
		return this.context.fromStore(name, () -> this.store.catalog(name));
	}

	private List<Backup> listed(String database) {
		return this.context.list(database);
	}

	private Optional<Backup> found(String database, String backupId) {
		return this.context.find(database, backupId);
	}

	// ---------------------------------------------------------------- backup

	/** Takes a manual backup of a database. */
	public Backup backup(String database) {
		return backup(database, BackupTrigger.MANUAL);
	}

	/**
	 * Takes a verified backup of a database and publishes it.
	 * @throws OperationInProgressException when another operation holds the database
	 * @throws BackupVerificationException when the copy fails its checks (for example because the
	 * live database is damaged); nothing is published
	 * @throws BackupFailedException when the copy or publishing fails; nothing is published, except
	 * when a store keeps the backup in one place but fails to copy it to another, which the message says
	 */
	public Backup backup(String database, BackupTrigger trigger) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.BACKUP)) {
			return this.continuous.backup(db, trigger, operation);
		}
	}

	// ---------------------------------------------------------------- restore

	/** Restores a backup into the live database, with a safety backup if the options say so. */
	public RestoreResult restore(String database, String backupId) {
		return restore(database, backupId, this.options.safetyBackup());
	}

	/**
	 * Replaces the live database's content with a backup. The backup is checked (SHA-256 against its
	 * manifest, header and size, {@code quick_check}) before the live database is touched; the copy
	 * into the live database is one SQLite transaction, so it either completes or leaves the live
	 * database as it was; the result is confirmed before success is reported.
	 * @param safetyBackup whether to back up the current state first (its id is in the result)
	 * @throws InvalidBackupIdException when the id cannot be an id
	 * @throws BackupNotFoundException when the store does not list the backup
	 * @throws OperationInProgressException when another operation holds the database
	 * @throws BackupVerificationException when the backup fails its checks; nothing was changed
	 * @throws RestoreFailedException when the copy could not be made or confirmed; the live
	 * database is as it was
	 */
	public RestoreResult restore(String database, String backupId, boolean safetyBackup) {
		SqliteDatabase db = getDatabase(database);
		if (!BackupIds.isWellFormed(backupId)) {
			throw new InvalidBackupIdException(db.name());
		}
		try (RunningOperation operation = this.holds.hold(db, OperationType.RESTORE)) {
			Backup backup = found(db.name(), backupId)
				.orElseThrow(() -> new BackupNotFoundException(db.name(), backupId));
			this.continuous.restartChain(db.name(), "the database was restored from backup " + backupId);
			RestoreResult result = this.restores.run(db, backup, safetyBackup, operation);
			this.continuous.restoredTo(db.name(), null);
			return result;
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	/**
	 * Restores the database to the newest state continuous backup captured at or before an instant:
	 * the newest snapshot of its chain at or before the instant plus the segments captured after it
	 * until then, built and checked in
	 * staging, then copied into the live database like any restore (safety backup as the options
	 * say). Continuous backup of the database then starts a new chain.
	 * @throws PointInTimeNotCoveredException when no chain covers the instant (the message names the window)
	 * @throws BackupVerificationException when the plan has a gap or a segment fails its checks;
	 * nothing was changed
	 */
	public PointInTimeResult restore(String database, Instant pointInTime) {
		return restoreToPointInTime(database, Objects.requireNonNull(pointInTime, "pointInTime"),
				this.options.safetyBackup());
	}

	/** Restores the database to the latest state continuous backup captured; see {@link #restore(String, Instant)}. */
	public PointInTimeResult restoreLatest(String database) {
		return restoreToPointInTime(database, null, this.options.safetyBackup());
	}

	/**
	 * Restores the database to the newest state captured at or before an instant, or to the latest
	 * captured state when it is {@code null}; see {@link #restore(String, Instant)}.
	 * @param safetyBackup whether to back up the current state first (its id is in the result)
	 */
	public PointInTimeResult restoreToPointInTime(String database, @Nullable Instant pointInTime,
			boolean safetyBackup) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.RESTORE)) {
			ChainHistory.Live live = this.continuous.shipFirst(db, pointInTime, operation);
			this.continuous.restartChain(db.name(), ChainHistory.RESTORED_REASON
					+ ((pointInTime != null) ? pointInTime : "its latest captured state"));
			PointInTimeResult result = this.pointInTimeRestores.run(db, pointInTime, live, safetyBackup, operation);
			this.continuous.restoredTo(db.name(), result.point());
			return result;
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	/**
	 * Builds the state continuous backup captured at or before an instant (the latest when it is
	 * {@code null}) into a new file, checked like a restore's, and leaves the live database and its
	 * capture alone: to look at an earlier state, or to start another instance from. The file is a
	 * standalone SQLite database (rollback-journal mode) and appears whole or not at all.
	 * @param file the file to create; its folder must exist, and the file must not
	 * @throws PointInTimeNotCoveredException when no chain covers the instant (the message names the window)
	 * @throws BackupVerificationException when the plan has a gap or a segment fails its checks
	 * @throws RestoreFailedException when the file exists or cannot be written
	 */
	public PointInTimeResult restoreToFile(String database, @Nullable Instant pointInTime, Path file) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.VERIFY)) {
			ChainHistory.Live live = this.continuous.shipFirst(db, pointInTime, operation);
			return this.pointInTimeRestores.toFile(db, pointInTime, live, Objects.requireNonNull(file, "file"),
					operation);
		}
	}

	/**
	 * Builds a backup into a new file, checked against its manifest and by SQLite, and leaves the
	 * live database alone: to look at an earlier state, or to get the data back without the
	 * application. The file is a standalone SQLite database (rollback-journal mode) and appears
	 * whole or not at all.
	 * @param file the file to create; its folder must exist, and the file must not
	 * @throws BackupNotFoundException when the store holds no such backup
	 * @throws BackupVerificationException when the backup fails its checks
	 * @throws RestoreFailedException when the file exists or cannot be written
	 */
	public RestoreResult restoreBackupToFile(String database, String backupId, Path file) {
		SqliteDatabase db = getDatabase(database);
		if (!BackupIds.isWellFormed(backupId)) {
			throw new InvalidBackupIdException(db.name());
		}
		try (RunningOperation operation = this.holds.hold(db, OperationType.VERIFY)) {
			Backup backup = found(db.name(), backupId).orElseThrow(() -> new BackupNotFoundException(db.name(), backupId));
			return this.missingRestores.toFile(db, backup, Objects.requireNonNull(file, "file"), operation);
		}
	}

	/**
	 * Restores a database that is missing or empty, as on a new machine, before the application
	 * opens it: the latest restorable state in the store (the latest point continuous backup
	 * captured, else the newest backup) is built and checked in staging and put in place as a new
	 * file; an in-memory database holding no table is restored into. A database that is there is
	 * left alone, and with nothing stored it stays empty. Continuous backup of the database then
	 * starts a chain that follows the point restored to.
	 * @param file the database file, read from the data source's URL so that nothing opens it
	 * first; {@code null} for an in-memory database
	 * @throws BackupListingException when the store cannot say what it holds
	 * @throws SqliteBackupException when the restore fails; the database file is then still missing
	 */
	public StartupRestoreResult restoreIfMissing(String database, @Nullable Path file) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.RESTORE)) {
			StartupRestoreResult result = this.missingRestores.run(db, file, operation);
			if (result.restored()) {
				this.continuous.restoredTo(db.name(), result.point());
			}
			return result;
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	/**
	 * Takes the lease on a database's continuous backup before anything opens the database (a new
	 * instance during a deploy, its disk empty): waits up to {@code wait} while another process
	 * holds it, saying who every few seconds, so that a restore that follows includes that
	 * process's last pass. The capture that starts later goes on under it.
	 * @return the lease taken; empty when the options ask for none or the store keeps none
	 * @throws IllegalStateException when another process still holds it after {@code wait}
	 * @throws SqliteBackupException when the store cannot be read or written
	 */
	public Optional<Lease> awaitLease(String database, Duration wait) {
		SqliteDatabase db = getDatabase(database);
		try {
			return Optional.ofNullable(this.continuous.awaitLease(db.name(), wait));
		}
		catch (IOException ex) {
			throw new SqliteBackupException(db.name(), null, "The lease on continuous backup of database '" + db.name()
					+ "' could not be taken: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Renews the lease a database's continuous backup holds when it is due; call it every third of
	 * the lease's duration when passes come less often than that. Does nothing without a lease.
	 */
	public void keepLease(String database) {
		this.continuous.keepLease(getDatabase(database).name());
	}

	/** Adds a check of the application's own that every restore drill runs on the restored copy. */
	public void addDrillCheck(RestoreDrillCheck check) {
		this.drillChecks.add(Objects.requireNonNull(check, "check"));
	}

	/**
	 * Runs a restore drill: the newest backup (with continuous backup, the latest captured point)
	 * is read back from the store a disaster needs (the bucket when backups are also kept locally),
	 * checked against its manifest, built into a scratch copy in staging, checked by SQLite's full
	 * {@code integrity_check} and its recorded page count, and handed read-only to every
	 * {@link RestoreDrillCheck}; then deleted. The live database is never touched; other operations
	 * wait only while the store is read. A drill that fails is a result, not an exception.
	 * @throws OperationInProgressException when another operation holds the database
	 */
	public RestoreDrillResult drill(String database) {
		SqliteDatabase db = getDatabase(database);
		RestoreDrillResult result = this.drills.run(db, List.copyOf(this.drillChecks));
		this.lastDrills.put(db.name(), result);
		this.listeners.tell((listener) -> listener.drillCompleted(result));
		return result;
	}

	/** The last restore drill of a database this template ran, if any. */
	public Optional<RestoreDrillResult> lastDrill(String database) {
		return Optional.ofNullable(this.lastDrills.get(getDatabase(database).name()));
	}

	/**
	 * How continuous backup of a database stands, with the window a restore can reach; empty when
	 * it is not captured by this template. The window is {@code null} when the store cannot list
	 * the segments right now.
	 */
	public Optional<ContinuousStatus> continuousStatus(String database) {
		return this.continuous.status(getDatabase(database).name());
	}

	/**
	 * The instants a restore to a point can reach for a database, as the store alone says (with the
	 * last pass of a capture this template runs): from, to, the gaps and the chains. Empty when the
	 * store holds no chain with a snapshot whose backup is stored.
	 */
	public Optional<RestoreWindow> restoreWindow(String database) {
		return this.continuous.window(getDatabase(database).name());
	}

	// ---------------------------------------------------------------- continuous backup

	/**
	 * Ships what was committed to a WAL-mode file database since the last call as one segment of
	 * continuous backup; the first call (and any call after continuity was lost) starts a chain from
	 * a fresh snapshot instead. Call it every sync interval.
	 * @throws ContinuousBackupUnavailableException when the database is in memory or not in WAL mode
	 * @throws OperationInProgressException when another operation holds the database; the WAL keeps
	 * the frames for the next call
	 */
	public CaptureResult capture(String database) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.holdHere(db, OperationType.CAPTURE)) {
			return this.continuous.pass(db, operation);
		}
	}

	/**
	 * Starts continuous backup of a database, like a first {@link #capture}, knowing whether its
	 * file was missing or empty when the application started. Such a database starts no chain
	 * while the store holds history of it with data (a new machine, a lost disk): its chain would
	 * become "latest" and bury that history. The capture waits for a restore instead
	 * ({@link ContinuousStatus.State#AWAITING_RESTORE}); the chain after the restore follows the
	 * point restored.
	 */
	public CaptureResult startCapture(String database, boolean newAtStart) {
		SqliteDatabase db = getDatabase(database);
		this.continuous.register(db, newAtStart);
		return capture(db.name());
	}

	/**
	 * Waits until the compaction block being built in the background for a database, if any, is
	 * built, so that tests that run passes back to back see blocks as a capture at its sync interval
	 * does.
	 */
	boolean awaitCompaction(String database, Duration timeout) throws InterruptedException {
		return this.continuous.awaitCompaction(getDatabase(database).name(), timeout);
	}

	/**
	 * How long ago continuous backup of a database last found everything SQLite had committed in the
	 * store: an upper bound on the age of the oldest commit not yet shipped. Empty when it is not captured or no pass succeeded.
	 */
	public Optional<Duration> continuousLag(String database) {
		return this.continuous.lag(getDatabase(database).name());
	}

	/**
	 * Bytes of the database's WAL that SQLite had committed and continuous backup had not shipped
	 * when its last pass read the WAL: what waits while the store cannot take it. Empty when it is
	 * not captured or before a pass.
	 */
	public Optional<Long> continuousBacklog(String database) {
		return this.continuous.backlog(getDatabase(database).name());
	}

	/**
	 * Stops continuous backup of a database after shipping what was committed until now, and lets
	 * go of it. A later {@link #capture} goes on with the same chain when it can prove the database was not
	 * changed meanwhile ({@code ChainResumption}), else starts a new one.
	 */
	public void stopCapture(String database) {
		SqliteDatabase db = getDatabase(database);
		if (!this.continuous.isCaptured(db.name())) {
			return;
		}
		try {
			capture(db.name());
		}
		finally {
			this.continuous.stop(db);
		}
	}

	// ---------------------------------------------------------------- verify, delete, prune

	/**
	 * Checks a stored backup again: size and SHA-256 against the manifest, header, page count and
	 * the configured SQLite check (at least {@code quick_check}). It holds the database like any
	 * other operation, because a compressed, encrypted or remote backup is checked through a
	 * staging copy that a concurrent backup's clean-up would remove.
	 * @throws OperationInProgressException when another operation holds the database
	 */
	public VerificationResult verify(String database, String backupId) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.VERIFY)) {
			return this.checks.verify(db, get(db.name(), backupId));
		}
	}

	/** Deletes one backup. */
	public void delete(String database, String backupId) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.PRUNE)) {
			Backup backup = get(db.name(), backupId);
			this.store.delete(backup);
			this.continuous.forgetWindow(db.name());
			logger.info("Deleted backup {} of database '{}'", backupId, db.name());
		}
		catch (IOException ex) {
			throw new SqliteBackupException(db.name(), backupId, "Could not delete backup " + backupId + ": "
					+ Messages.describe(ex), ex);
		}
	}

	/**
	 * Deletes the backups a retention policy does not keep, and returns them. The newest verified
	 * backup is always kept, and so are backups dated after the current time (the clock was set
	 * back; see {@link FutureDatedBackups}), which are logged. Holding the database's lock means no
	 * restore can be reading a backup while it is deleted.
	 */
	public List<Backup> prune(String database, RetentionPolicy policy) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.PRUNE)) {
			return this.prunes.run(db, policy, null);
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	/**
	 * Takes a backup and, when it succeeds, prunes by the policy, all under one hold of the
	 * database. The backup just taken is kept whatever the policy says, even when older-looking
	 * than others because the clock was set back.
	 */
	public Backup backupAndPrune(String database, BackupTrigger trigger, RetentionPolicy policy) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.BACKUP)) {
			Backup backup = this.continuous.backup(db, trigger, operation);
			this.prunes.run(db, policy, backup);
			return backup;
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	/**
	 * Removes what crashed or failed operations left in the store, for every database that is not
	 * busy right now. Backups do this on their own before they start; call it at startup.
	 */
	public void cleanUp() {
		for (SqliteDatabase db : this.databases.values()) {
			try (RunningOperation operation = this.holds.hold(db, OperationType.CLEANUP)) {
				this.context.cleanUp(db);
			}
			catch (OperationInProgressException ex) {
				// The running operation cleans up before it starts its own work.
			}
			catch (RuntimeException ex) {
				logger.warn("Could not clean up leftovers of database '{}': {}", db.name(), ex.getMessage());
			}
		}
	}

}
