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
 * named SQLite databases, each operation as {@link SqliteBackupOperations} documents it. Every
 * operation on a database holds that database exclusively for its duration; a concurrent one fails
 * fast with {@link OperationInProgressException}.
 *
 * <p>
 * A backup is: take the database, copy a consistent snapshot with SQLite's online backup API into
 * a staging file, verify it, publish it (bytes, then manifest), tell the listeners. A restore is:
 * take the database, resolve and check the backup, take a safety backup, copy the backup into the
 * live database, confirm the result. Each step either completes or leaves the previous state.
 */
public class SqliteBackupTemplate implements SqliteBackupOperations {

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

	@Override
	public void addListener(BackupListener listener) {
		this.listeners.add(Objects.requireNonNull(listener, "listener"));
	}

	@Override
	public Set<String> getDatabaseNames() {
		return this.databases.keySet();
	}

	@Override
	public SqliteDatabase getDatabase(String name) {
		SqliteDatabase database = this.databases.get(name);
		if (database == null) {
			throw new DatabaseNotFoundException(name, this.databases.keySet());
		}
		return database;
	}

	@Override
	public BackupStore getStore() {
		return this.store;
	}

	@Override
	public BackupOptions getOptions() {
		return this.options;
	}

	@Override
	public BackupAuthenticity getAuthenticity() {
		return this.authenticity;
	}

	@Override
	public Optional<OperationStatus> currentOperation(String database) {
		return this.holds.current(getDatabase(database).name());
	}

	@Override
	public List<Backup> list(String database) {
		return listed(getDatabase(database).name());
	}

	@Override
	public Backup get(String database, String backupId) {
		String name = getDatabase(database).name();
		if (!BackupIds.isWellFormed(backupId)) {
			throw new InvalidBackupIdException(name);
		}
		return found(name, backupId).orElseThrow(() -> new BackupNotFoundException(name, backupId));
	}

	@Override
	public Map<String, List<String>> locations(String database) {
		String name = getDatabase(database).name();
		return this.context.fromStore(name, () -> this.store.locations(name));
	}

	@Override
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

	@Override
	public Backup backup(String database) {
		return backup(database, BackupTrigger.MANUAL);
	}

	@Override
	public Backup backup(String database, BackupTrigger trigger) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.BACKUP)) {
			return this.continuous.backup(db, trigger, operation);
		}
	}

	// ---------------------------------------------------------------- restore

	@Override
	public RestoreResult restore(String database, String backupId) {
		return restore(database, backupId, this.options.safetyBackup());
	}

	@Override
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

	@Override
	public PointInTimeResult restore(String database, Instant pointInTime) {
		return restoreToPointInTime(database, Objects.requireNonNull(pointInTime, "pointInTime"),
				this.options.safetyBackup());
	}

	@Override
	public PointInTimeResult restoreLatest(String database) {
		return restoreToPointInTime(database, null, this.options.safetyBackup());
	}

	@Override
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

	@Override
	public PointInTimeResult restoreToFile(String database, @Nullable Instant pointInTime, Path file) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.VERIFY)) {
			ChainHistory.Live live = this.continuous.shipFirst(db, pointInTime, operation);
			return this.pointInTimeRestores.toFile(db, pointInTime, live, Objects.requireNonNull(file, "file"),
					operation);
		}
	}

	@Override
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

	@Override
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

	@Override
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

	@Override
	public void keepLease(String database) {
		this.continuous.keepLease(getDatabase(database).name());
	}

	@Override
	public void addDrillCheck(RestoreDrillCheck check) {
		this.drillChecks.add(Objects.requireNonNull(check, "check"));
	}

	@Override
	public RestoreDrillResult drill(String database) {
		SqliteDatabase db = getDatabase(database);
		RestoreDrillResult result = this.drills.run(db, List.copyOf(this.drillChecks));
		this.lastDrills.put(db.name(), result);
		this.listeners.tell((listener) -> listener.drillCompleted(result));
		return result;
	}

	@Override
	public Optional<RestoreDrillResult> lastDrill(String database) {
		return Optional.ofNullable(this.lastDrills.get(getDatabase(database).name()));
	}

	@Override
	public Optional<ContinuousStatus> continuousStatus(String database) {
		return this.continuous.status(getDatabase(database).name());
	}

	@Override
	public Optional<RestoreWindow> restoreWindow(String database) {
		return this.continuous.window(getDatabase(database).name());
	}

	// ---------------------------------------------------------------- continuous backup

	@Override
	public CaptureResult capture(String database) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.holdHere(db, OperationType.CAPTURE)) {
			return this.continuous.pass(db, operation);
		}
	}

	@Override
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

	@Override
	public Optional<Duration> continuousLag(String database) {
		return this.continuous.lag(getDatabase(database).name());
	}

	@Override
	public Optional<Long> continuousBacklog(String database) {
		return this.continuous.backlog(getDatabase(database).name());
	}

	@Override
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

	@Override
	public VerificationResult verify(String database, String backupId) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.VERIFY)) {
			return this.checks.verify(db, get(db.name(), backupId));
		}
	}

	@Override
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

	@Override
	public List<Backup> prune(String database, RetentionPolicy policy) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = this.holds.hold(db, OperationType.PRUNE)) {
			return this.prunes.run(db, policy, null);
		}
		finally {
			this.continuous.forgetWindow(db.name());
		}
	}

	@Override
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

	@Override
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
