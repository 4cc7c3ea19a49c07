package dev.sqlitebackup;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;
import org.sqlite.core.DB;

import dev.sqlitebackup.BackupFileCheck.CheckFailedException;
import dev.sqlitebackup.BackupFileCheck.Facts;
import dev.sqlitebackup.BackupFileCheck.PendingSha256;
import dev.sqlitebackup.OperationLocks.RunningOperation;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.BackupStore;
import dev.sqlitebackup.store.BackupStore.StoreLock;
import dev.sqlitebackup.store.BackupStore.StoredBackupFile;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore.OffsiteCopyException;
import dev.sqlitebackup.store.StoreFolderUnusableException;

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

	private static final int SQLITE_OK = 0;

	private static final int BUSY_RETRY_MILLIS = 100;

	/** How long a restore waits for readers and writers to let it truncate the WAL it leaves. */
	private static final int CHECKPOINT_WAIT_MILLIS = 250;

	private static final Duration PROGRESS_LOG_INTERVAL = Duration.ofSeconds(5);

	private static final String SHA256_MISMATCH = "its bytes no longer match the SHA-256 in its manifest";

	private final Map<String, SqliteDatabase> databases;

	private final BackupStore store;

	private final BackupOptions options;

	private final Clock clock;

	private final BackupAuthenticity authenticity;

	private final OperationLocks locks = new OperationLocks();

	private final List<BackupListener> listeners = new CopyOnWriteArrayList<>();

	/** Stores whose lack of file locks was already WARNed about, so that it is said once. */
	private final Set<String> storesWarnedWithoutLocks = ConcurrentHashMap.newKeySet();

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
		return this.locks.current(getDatabase(database).name());
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
		return fromStore(name, () -> this.store.locations(name));
	}

	private List<Backup> listed(String database) {
		return fromStore(database, () -> this.store.list(database));
	}

	private Optional<Backup> found(String database, String backupId) {
		return fromStore(database, () -> this.store.find(database, backupId));
	}

	/** Asks the store; a store that cannot list (an unreachable bucket, say) fails with its reason. */
	private <T> T fromStore(String database, Supplier<T> question) {
		try {
			return question.get();
		}
		catch (SqliteBackupException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new BackupListingException(database, describe(ex), ex);
		}
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
	 * when only the off-site copy of an {@link OffsiteCopyBackupStore} fails, which the message says
	 */
	public Backup backup(String database, BackupTrigger trigger) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = hold(db, OperationType.BACKUP)) {
			return backupLocked(db, BackupRun.requested(trigger), operation);
		}
	}

	/**
	 * Takes the database for an operation: in this process, then its part of the store against
	 * other processes using the same store.
	 * @throws OperationInProgressException when another operation holds either
	 */
	private RunningOperation hold(SqliteDatabase db, OperationType type) {
		RunningOperation operation = this.locks.acquire(db.name(), type);
		try {
			StoreLock storeLock = this.store.tryLock(db.name())
				.orElseThrow(() -> OperationInProgressException.elsewhere(db.name(), this.store.describe()));
			operation.releaseOnClose(storeLock);
			return operation;
		}
		catch (IOException | UnsupportedOperationException ex) {
			if (ex instanceof StoreFolderUnusableException) {
				// The operation meets the same problem and reports it in its own words (to listeners too).
				logger.debug("Cannot lock {} for database '{}': {}", this.store.describe(), db.name(), describe(ex));
				return operation;
			}
			if (hasNoLocks(ex)) {
				// Running unlocked is what such a file system allows; the WARN says what that risks.
				if (this.storesWarnedWithoutLocks.add(this.store.describe())) {
					logger.warn("The file system of {} does not support file locks ({}): operations on database "
							+ "'{}' run without the lock that keeps other processes sharing this store from "
							+ "cleaning up or pruning under them; do not let two processes use it at once",
							this.store.describe(), describe(ex), db.name());
				}
				return operation;
			}
			operation.close();
			throw new SqliteBackupException(db.name(), null, "Cannot lock " + this.store.describe()
					+ " for an operation on database '" + db.name() + "', so nothing was done: " + describe(ex), ex);
		}
		catch (RuntimeException ex) {
			operation.close();
			throw ex;
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

	private Backup backupLocked(SqliteDatabase db, BackupRun run, RunningOperation operation) {
		BackupTrigger trigger = run.trigger();
		long started = System.nanoTime();
		Instant createdAt = this.clock.instant().truncatedTo(ChronoUnit.MILLIS);
		String id = BackupIds.next(createdAt);
		Path staging = null;
		Path encoded = null;
		try {
			if (run.cleanUpFirst()) {
				cleanUpLocked(db);
			}
			staging = stage(db, id);
			Snapshot snapshot = copyToStaging(db, staging, operation, run.source());
			if (run.refuseUnexpectedlyEmpty()) {
				refuseUnexpectedlyEmpty(db, id, snapshot);
			}
			long copied = System.nanoTime();
			makeSelfContained(db, id, staging);
			long selfContained = System.nanoTime();
			Facts facts;
			String plainSha256 = null;
			boolean verifiedCopy = this.options.verifyMode() != VerifyMode.NONE;
			if (this.options.maxBytesPerSecond() > 0 || !this.options.storedForm().isPlain()) {
				// A capped backup leaves the application a core: the hash runs after the check. A
				// compressed or encrypted one hashes the stored bytes while it writes them instead.
				facts = verifyStaging(db, id, staging, snapshot, run);
			}
			else {
				PendingSha256 pendingSha256 = BackupFileCheck.sha256InBackground(staging);
				try {
					facts = verifyStaging(db, id, staging, snapshot, run);
				}
				catch (RuntimeException ex) {
					pendingSha256.cancel();
					throw ex;
				}
				plainSha256 = pendingSha256.get();
			}
			if (facts == null) {
				verifiedCopy = false;
				facts = new Facts(snapshot.pageSize(), snapshot.copiedPageCount());
			}
			StoredBytes stored = encodeForStore(db, id, staging, plainSha256);
			encoded = stored.path();
			long verified = System.nanoTime();
			StoredForm form = this.options.storedForm();
			Backup backup = new Backup(id, db.name(), createdAt, stored.sizeBytes(), stored.sha256(),
					facts.pageSize(), facts.pageCount(), snapshot.journalMode(), snapshot.sqliteVersion(),
					form.compression().codecName(), verifiedCopy, this.options.verifyMode(), elapsedSince(started),
					trigger, form.encryptionKeyId());
			Backup published = this.store.publish(stored.path(), this.authenticity.sign(backup));
			if (!stored.path().equals(staging)) {
				deleteStaging(staging);
			}
			logger.debug("Backup {} of database '{}': copy {} ms, journal mode switch {} ms, verify, SHA-256 and "
					+ "encoding {} ms, publish {} ms", id, db.name(), (copied - started) / 1_000_000,
					(selfContained - copied) / 1_000_000, (verified - selfContained) / 1_000_000,
					(System.nanoTime() - verified) / 1_000_000);
			logger.info("Backed up database '{}' as {} ({}, {} pages) in {} ms", db.name(), id,
					formatBytes(published.sizeBytes()), published.pageCount(), published.duration().toMillis());
			tellListeners((listener) -> listener.backupCompleted(published));
			return published;
		}
		catch (RuntimeException | IOException | SQLException ex) {
			SqliteBackupException failure = asBackupFailure(db, id, ex);
			deleteStaging(staging);
			deleteStaging(encoded);
			logger.warn(failure.getMessage());
			Duration elapsed = elapsedSince(started);
			tellListeners((listener) -> listener.backupFailed(db.name(), trigger, elapsed, failure));
			throw failure;
		}
	}

	private Path stage(SqliteDatabase db, String id) {
		try {
			return this.store.newStagingFile(db.name(), id);
		}
		catch (IOException ex) {
			throw new BackupFailedException(db.name(), id,
					"Backup of database '" + db.name() + "' failed: cannot prepare backup storage at "
							+ this.store.describe() + ": " + describe(ex), ex);
		}
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
	private Snapshot copyToStaging(SqliteDatabase db, Path staging, RunningOperation operation,
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
				.backup("main", staging.toString(), progressObserver(db, operation, CopyPacer.unpaced(), 0, 1),
						BUSY_RETRY_MILLIS, busyRetries(), -1);
			checkCopied(db, staging, rc);
			return snapshot;
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
					.backup("main", staging.toString(), progressObserver(db, operation, pacer, 0, 1),
							BUSY_RETRY_MILLIS, busyRetries(), pacer.pagesPerStep(this.options.pagesPerStep()));
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
	 * A file database with no tables whose previous backup had some was most likely replaced (a
	 * deleted file recreated empty by the application's pool, say). Publishing its snapshot would
	 * let retention rotate the real backups out, so it is refused; the previous backups stay.
	 */
	private void refuseUnexpectedlyEmpty(SqliteDatabase db, String id, Snapshot snapshot) {
		if (snapshot.tableCount() > 0 || db.isInMemory()) {
			return;
		}
		Optional<Backup> previous = listed(db.name()).stream()
			.filter((backup) -> !backup.isSafetyBackup() && backup.pageCount() > 1 && this.authenticity.counts(backup))
			.findFirst();
		if (previous.isPresent()) {
			throw new BackupVerificationException(db.name(), id, "Backup of database '" + db.name()
					+ "' refused: the database has no tables, but its backup " + previous.get().id() + " has "
					+ previous.get().pageCount() + " pages. Was the file deleted or replaced? Restore a backup, or "
					+ "delete the old backups if the database is meant to be empty");
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
				.backup("main", memoryUri, progressObserver(db, operation, CopyPacer.unpaced(), 0, 2),
						BUSY_RETRY_MILLIS, busyRetries(), this.options.pagesPerStep());
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
					.backup("main", staging.toString(), progressObserver(db, operation, pacer, 1, 2),
							BUSY_RETRY_MILLIS, busyRetries(), pacer.pagesPerStep(this.options.pagesPerStep()));
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
		long pageCount = SqliteConnections.number(connection, "PRAGMA page_count");
		int pageSize = (int) SqliteConnections.number(connection, "PRAGMA page_size");
		return new Snapshot(SqliteConnections.text(connection, "PRAGMA journal_mode"),
				SqliteConnections.text(connection, "SELECT sqlite_version()"), pageCount, pageSize, tableCount);
	}

	private void checkCopied(SqliteDatabase db, Path staging, int rc) {
		// For a backup the native code reports the destination's error code, which is where SQLite
		// records backup errors, so a non-zero code is a real failure (BUSY, CANTOPEN, FULL, ...).
		if (rc != SQLITE_OK) {
			throw new BackupFailedException(db.name(), null, "Backup of database '" + db.name()
					+ "' failed: SQLite could not copy it into "
					+ staging.getParent() + ": " + SqliteConnections.describe(rc), null);
		}
	}

	/**
	 * Switches the copy to rollback-journal mode. A copy of a WAL database says "WAL" in its
	 * header, so opening it would need side files; this way a backup is one self-contained file
	 * that opens read-only anywhere, and restoring it into a WAL database keeps that database in
	 * WAL mode (SQLite keeps the destination's mode).
	 */
	private void makeSelfContained(SqliteDatabase db, String id, Path staging) throws SQLException {
		try (SQLiteConnection connection = SqliteConnections.open(staging, Duration.ZERO)) {
			String mode = SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			if (!"delete".equalsIgnoreCase(mode)) {
				throw new BackupFailedException(db.name(), id,
						"Could not switch the copy to rollback-journal mode (it stayed " + mode + ")", null);
			}
		}
	}

	/**
	 * Checks the copy; {@code null} when it fails and the run keeps unverified copies (a restore's
	 * safety backup of a damaged database, which is still the only copy of that state).
	 */
	private @Nullable Facts verifyStaging(SqliteDatabase db, String id, Path staging, Snapshot snapshot,
			BackupRun run) {
		Facts facts;
		try {
			facts = BackupFileCheck.verify(staging, this.options.verifyMode());
		}
		catch (CheckFailedException ex) {
			if (run.keepIfUnverified()) {
				logger.warn("Safety backup {} of database '{}' failed verification ({}); it is kept, marked "
						+ "unverified, and the restore goes on", id, db.name(), ex.getMessage());
				return null;
			}
			throw new BackupVerificationException(db.name(), id,
					"Backup of database '" + db.name() + "' failed verification: " + ex.getMessage()
							+ " (the live database may be damaged; run PRAGMA integrity_check on it)");
		}
		if (facts.pageCount() != snapshot.copiedPageCount()) {
			throw new BackupVerificationException(db.name(), id, "Backup of database '" + db.name() + "' has "
					+ facts.pageCount() + " pages but the snapshot had " + snapshot.pageCount());
		}
		return facts;
	}

	/**
	 * Turns the verified plain copy into the form the store keeps: compressed, then encrypted, as
	 * configured. The plain copy is what was verified; the stored bytes get their own SHA-256,
	 * which is what a restore checks first.
	 */
	private StoredBytes encodeForStore(SqliteDatabase db, String id, Path staging, @Nullable String plainSha256)
			throws IOException {
		StoredForm form = this.options.storedForm();
		if (form.isPlain()) {
			return new StoredBytes(staging, Files.size(staging),
					(plainSha256 != null) ? plainSha256 : BackupFileCheck.sha256(staging));
		}
		Path target = this.store.newStagingFile(db.name(), id + "-stored");
		try {
			StoredForm.Encoded encoded = form.encode(staging, target, db.name(), id);
			return new StoredBytes(target, encoded.sizeBytes(), encoded.sha256());
		}
		catch (IOException | RuntimeException ex) {
			deleteStaging(target);
			throw ex;
		}
	}

	private SqliteBackupException asBackupFailure(SqliteDatabase db, String id, Exception ex) {
		if (ex instanceof SqliteBackupException failure) {
			return failure;
		}
		if (ex instanceof OffsiteCopyException) {
			return new BackupFailedException(db.name(), id, ex.getMessage(), ex);
		}
		return new BackupFailedException(db.name(), id,
				"Backup of database '" + db.name() + "' failed: " + describe(ex), ex);
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
		try (RunningOperation operation = hold(db, OperationType.RESTORE)) {
			Backup backup = found(db.name(), backupId)
				.orElseThrow(() -> new BackupNotFoundException(db.name(), backupId));
			refuseUntrusted(db, backup);
			return restoreLocked(db, backup, safetyBackup, operation);
		}
	}

	/**
	 * Refuses a backup that cannot be trusted under the configured encryption, before anything is
	 * read from the store or changed; reported to the listeners like any other failed restore.
	 */
	private void refuseUntrusted(SqliteDatabase db, Backup backup) {
		String refusal = this.authenticity.refusal(backup);
		if (refusal == null) {
			switch (this.authenticity.trustOf(backup)) {
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
		tellListeners((listener) -> listener.restoreFailed(db.name(), backup.id(), Duration.ZERO, failure));
		throw failure;
	}

	private RestoreResult restoreLocked(SqliteDatabase db, Backup backup, boolean safetyBackup,
			RunningOperation operation) {
		long started = System.nanoTime();
		Path converted = null;
		Path decoded = null;
		try (StoredBackupFile stored = this.store.open(backup)) {
			Facts facts;
			if (Backup.NO_COMPRESSION.equals(backup.compression()) && !backup.isEncrypted()) {
				facts = checkBeforeRestore(db, backup, stored.path());
			}
			else {
				checkStoredBytes(db, backup, stored.path());
				try {
					decoded = decodeFromStore(db, backup, stored.path(), backup.id() + "-decoded");
				}
				catch (UndecodableException ex) {
					throw cannotRestore(db, backup, ex.getMessage(), ex.getCause());
				}
				facts = checkDecoded(db, backup, decoded);
			}
			long checked = System.nanoTime();
			Optional<Path> liveFile = db.file();
			if (liveFile.isPresent() && !Files.isRegularFile(liveFile.get())) {
				throw new RestoreFailedException(db.name(), backup.id(), "Database '" + db.name()
						+ "' cannot be restored: its file " + liveFile.get() + " does not exist (was it deleted, "
						+ "moved, or a symlink re-pointed?); nothing was changed and no file was created", null);
			}
			LiveFacts live = readLive(db);
			Path source = (decoded != null) ? decoded : stored.path();
			if (live.needsPageSize(facts.pageSize())) {
				converted = convertPageSize(db, backup, source, live.pageSize());
				source = converted;
			}
			long copyStarted = System.nanoTime();
			SafetyBackup safety = new SafetyBackup(db, backup, operation, safetyBackup);
			long pageCount = copyIntoLive(db, backup, source, live, safety, operation);
			String safetyBackupId = safety.id();
			logger.debug("Restore of database '{}' from {}: checks {} ms, copy and confirmation {} ms", db.name(),
					backup.id(), (checked - started) / 1_000_000, (System.nanoTime() - copyStarted) / 1_000_000);
			RestoreResult result = new RestoreResult(db.name(), backup.id(), safetyBackupId, this.clock.instant(),
					pageCount, elapsedSince(started));
			logger.info("Restored database '{}' from backup {} ({} pages) in {} ms{}", db.name(), backup.id(),
					pageCount, result.duration().toMillis(),
					(safetyBackupId != null) ? "; the previous state is backup " + safetyBackupId : "");
			tellListeners((listener) -> listener.restoreCompleted(result));
			return result;
		}
		catch (RuntimeException | IOException | SQLException ex) {
			SqliteBackupException failure = (ex instanceof SqliteBackupException known) ? known
					: new RestoreFailedException(db.name(), backup.id(), "Restore of database '" + db.name()
							+ "' from backup " + backup.id() + " failed: " + describe(ex), ex);
			logger.warn(failure.getMessage());
			Duration elapsed = elapsedSince(started);
			tellListeners((listener) -> listener.restoreFailed(db.name(), backup.id(), elapsed, failure));
			throw failure;
		}
		finally {
			deleteStaging(converted);
			deleteStaging(decoded);
		}
	}

	/** Everything that can be known about the backup before anything live is touched. */
	private Facts checkBeforeRestore(SqliteDatabase db, Backup backup, Path file) throws IOException {
		String problem = sizeProblem(backup, file);
		if (problem == null) {
			// SQLite's check runs alongside the hash (see sha256InBackground); a wrong hash wins.
			PendingSha256 pendingSha256 = BackupFileCheck.sha256InBackground(file);
			Facts facts = null;
			String checkProblem = null;
			try {
				facts = BackupFileCheck.verify(file, VerifyMode.QUICK);
			}
			catch (CheckFailedException ex) {
				checkProblem = ex.getMessage();
			}
			catch (RuntimeException ex) {
				pendingSha256.cancel();
				throw ex;
			}
			if (!pendingSha256.get().equalsIgnoreCase(backup.sha256())) {
				problem = SHA256_MISMATCH;
			}
			else if (checkProblem != null) {
				problem = checkProblem;
			}
			else {
				return facts;
			}
		}
		throw cannotRestore(db, backup, problem, null);
	}

	/** The stored bytes are exactly those the manifest describes: checked before they are decoded. */
	private void checkStoredBytes(SqliteDatabase db, Backup backup, Path file) throws IOException {
		String problem = sizeProblem(backup, file);
		if (problem == null && !BackupFileCheck.sha256(file).equalsIgnoreCase(backup.sha256())) {
			problem = SHA256_MISMATCH;
		}
		if (problem != null) {
			throw cannotRestore(db, backup, problem, null);
		}
	}

	private static @Nullable String sizeProblem(Backup backup, Path file) throws IOException {
		long size = Files.size(file);
		return (size != backup.sizeBytes()) ? "it has " + size + " bytes but its manifest says " + backup.sizeBytes()
				: null;
	}

	/**
	 * Decrypts and decompresses a stored backup into a plain staging file, or returns {@code null}
	 * when it is stored plain. Fails before anything live is touched when the key is missing or
	 * wrong, or the bytes do not decode.
	 */
	private @Nullable Path decodeFromStore(SqliteDatabase db, Backup backup, Path stored, String stagingName)
			throws IOException, UndecodableException {
		if (Backup.NO_COMPRESSION.equals(backup.compression()) && !backup.isEncrypted()) {
			return null;
		}
		Path target = this.store.newStagingFile(db.name(), stagingName);
		try {
			this.options.storedForm().decode(backup, stored, target);
			return target;
		}
		catch (IOException | RuntimeException ex) {
			deleteStaging(target);
			throw new UndecodableException("it cannot be decoded (" + backup.compression()
					+ (backup.isEncrypted() ? ", encrypted with key '" + backup.encryptionKeyId() + "'" : "")
					+ "): " + describe(ex), ex);
		}
	}

	/** Checks a decoded backup as a plain one is checked, before anything live is touched. */
	private Facts checkDecoded(SqliteDatabase db, Backup backup, Path file) {
		try {
			return BackupFileCheck.verify(file, VerifyMode.QUICK);
		}
		catch (CheckFailedException ex) {
			throw cannotRestore(db, backup, ex.getMessage(), null);
		}
	}

	private BackupVerificationException cannotRestore(SqliteDatabase db, Backup backup, String problem,
			@Nullable Throwable cause) {
		return new BackupVerificationException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
				+ db.name() + "' cannot be restored: " + problem + "; the live database was not changed", cause);
	}

	private LiveFacts readLive(SqliteDatabase db) throws SQLException {
		try (Connection connection = connectToLive(db)) {
			return new LiveFacts(SqliteConnections.text(connection, "PRAGMA journal_mode"),
					(int) SqliteConnections.number(connection, "PRAGMA page_size"), db.isInMemory());
		}
	}

	/**
	 * SQLite's backup API cannot change the page size of a WAL-mode or in-memory destination
	 * (measured: it fails with SQLITE_READONLY). Such a restore goes through a copy of the backup
	 * rebuilt with the live page size by {@code VACUUM}, which keeps every row and changes only
	 * the layout.
	 */
	private Path convertPageSize(SqliteDatabase db, Backup backup, Path source, int pageSize)
			throws IOException, SQLException {
		Path converted = this.store.newStagingFile(db.name(), backup.id() + "-page-size-" + pageSize);
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
		return converted;
	}

	/**
	 * Copies the checked backup file into the live database, taking the safety backup at the one
	 * moment when it loses nothing: after the restore holds the database's write lock, so that no
	 * transaction can commit between the safety snapshot and the restored state. A writer that
	 * commits before that moment is in the safety backup; one that commits after it waits (up to
	 * its own busy timeout) and lands on the restored database. How that lock is held depends on
	 * the journal mode; see the three methods below.
	 */
	private long copyIntoLive(SqliteDatabase db, Backup backup, Path source, LiveFacts live, SafetyBackup safety,
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
			DB.ProgressObserver progress = progressObserver(db, operation);
			DB.ProgressObserver observer = (remaining, pageCount) -> {
				if (safety.isPending() && !safety.tryTakeNow(null)) {
					lockExclusively(sourceLock);
				}
				progress.progress(remaining, pageCount);
			};
			int rc = backupFile.getDatabase()
				.backup("main", SqliteConnections.liveUri(liveFile), observer, BUSY_RETRY_MILLIS, busyRetries(),
						pagesPerStepOfAtLeastTwo(sourcePages));
			safety.throwIfFailed();
			if (rc != SQLITE_OK) {
				throw new RestoreFailedException(db.name(), backup.id(), "Could not write backup " + backup.id()
						+ " into database '" + db.name() + "': " + SqliteConnections.describe(rc)
						+ ((rc == 5 || rc == 6) ? ", the database stayed locked by another connection" : "")
						+ "; the live database was not changed", null);
			}
			try (Connection live = SqliteConnections.openLive(liveFile, this.options.busyTimeout())) {
				long pageCount = confirm(db, backup, live, backupFile, false);
				checkpointRestoredWal(db, live);
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
				.restore("main", source.toString(), progressObserver(db, operation), BUSY_RETRY_MILLIS, busyRetries(),
						this.options.pagesPerStep());
			if (SqliteConnections.number(holder, "PRAGMA schema_version") != schemaVersion + 1) {
				throw new RestoreFailedException(db.name(), backup.id(), "SQLite did not commit backup "
						+ backup.id() + " into database '" + db.name() + "' (disk full or an I/O error?); "
						+ "the live database was not changed", null);
			}
			return confirm(db, backup, holder, backupFile, false);
		}
	}

	/**
	 * Takes the database exclusively for as long as the connection stays open. SQLite's own busy
	 * handler sleeps up to 100 ms between attempts and loses every race to writers that commit
	 * back to back; polling every millisecond until the busy timeout wins one of the gaps.
	 */
	private void takeExclusively(SQLiteConnection holder) throws SQLException {
		long deadline = System.nanoTime() + this.options.busyTimeout().toNanos();
		try (Statement statement = holder.createStatement()) {
			statement.execute("PRAGMA busy_timeout=0");
			statement.execute("PRAGMA locking_mode=EXCLUSIVE");
			while (true) {
				try {
					statement.execute("BEGIN EXCLUSIVE");
					statement.execute("COMMIT");
					break;
				}
				catch (SQLException ex) {
					if (ex.getErrorCode() != 5 || System.nanoTime() > deadline) {
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
				.restore("main", source.toString(), progressObserver(db, operation), BUSY_RETRY_MILLIS,
						busyRetries(), -1);
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

	private Connection connectToLive(SqliteDatabase db) throws SQLException {
		Optional<Path> file = db.file();
		return file.isPresent() ? SqliteConnections.openLive(file.get(), this.options.busyTimeout())
				: db.dataSource().getConnection();
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
		try (RunningOperation operation = hold(db, OperationType.VERIFY)) {
			return verifyLocked(db, get(db.name(), backupId));
		}
	}

	private VerificationResult verifyLocked(SqliteDatabase db, Backup backup) {
		List<String> problems = new ArrayList<>();
		VerifyMode mode = (this.options.verifyMode() == VerifyMode.FULL) ? VerifyMode.FULL : VerifyMode.QUICK;
		Path decoded = null;
		String refusal = this.authenticity.refusal(backup);
		if (refusal != null) {
			problems.add(refusal);
		}
		try (StoredBackupFile stored = this.store.open(backup)) {
			long size = Files.size(stored.path());
			if (size != backup.sizeBytes()) {
				// Not hashed: a file larger than its manifest says may be any size at all.
				problems.add("size is " + size + " bytes, manifest says " + backup.sizeBytes());
			}
			else if (!BackupFileCheck.sha256(stored.path()).equalsIgnoreCase(backup.sha256())) {
				problems.add("SHA-256 does not match the manifest");
			}
			int problemsBefore = problems.size();
			decoded = decodeForVerify(db, backup, stored.path(), problems);
			Facts facts = (problems.size() > problemsBefore) ? null
					: BackupFileCheck.inspect((decoded != null) ? decoded : stored.path(), mode, problems);
			if (facts != null && facts.pageCount() != backup.pageCount()) {
				problems.add("holds " + facts.pageCount() + " pages, manifest says " + backup.pageCount());
			}
		}
		catch (IOException ex) {
			problems.add("cannot read the backup: " + describe(ex));
		}
		finally {
			deleteStaging(decoded);
		}
		return new VerificationResult(backup.database(), backup.id(), problems.isEmpty(), problems);
	}

	/** Decodes a compressed or encrypted backup for {@link #verify}; a failure becomes a problem. */
	private @Nullable Path decodeForVerify(SqliteDatabase db, Backup backup, Path stored, List<String> problems) {
		try {
			return decodeFromStore(db, backup, stored, backup.id() + "-verify");
		}
		catch (UndecodableException ex) {
			problems.add(ex.getMessage());
			return null;
		}
		catch (IOException ex) {
			problems.add("cannot decode the backup: " + describe(ex));
			return null;
		}
	}

	/** Deletes one backup. */
	public void delete(String database, String backupId) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = hold(db, OperationType.PRUNE)) {
			Backup backup = get(db.name(), backupId);
			this.store.delete(backup);
			logger.info("Deleted backup {} of database '{}'", backupId, db.name());
		}
		catch (IOException ex) {
			throw new SqliteBackupException(db.name(), backupId, "Could not delete backup " + backupId + ": "
					+ describe(ex), ex);
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
		try (RunningOperation operation = hold(db, OperationType.PRUNE)) {
			return pruneLocked(db, policy, null);
		}
	}

	/**
	 * Takes a backup and, when it succeeds, prunes by the policy, all under one hold of the
	 * database. The backup just taken is kept whatever the policy says, even when older-looking
	 * than others because the clock was set back.
	 */
	public Backup backupAndPrune(String database, BackupTrigger trigger, RetentionPolicy policy) {
		SqliteDatabase db = getDatabase(database);
		try (RunningOperation operation = hold(db, OperationType.BACKUP)) {
			Backup backup = backupLocked(db, BackupRun.requested(trigger), operation);
			pruneLocked(db, policy, backup);
			return backup;
		}
	}

	private List<Backup> pruneLocked(SqliteDatabase db, RetentionPolicy policy, @Nullable Backup justTaken) {
		List<Backup> backups = listed(db.name());
		Instant now = this.clock.instant();
		FutureDatedBackups.warnAbout(backups, now);
		Set<String> alwaysKept = new HashSet<>();
		// The policy keeps future-dated backups itself. The exemption belongs to the newest verified
		// trusted backup before now, which the age limit would delete once backups stopped for a while.
		FutureDatedBackups.datedBefore(backups, now)
			.stream()
			.filter((backup) -> backup.verified() && this.authenticity.counts(backup))
			.findFirst()
			.ifPresent((newestVerified) -> alwaysKept.add(newestVerified.id()));
		if (justTaken != null) {
			alwaysKept.add(justTaken.id());
		}
		List<Backup> deleted = new ArrayList<>();
		for (Backup backup : policy.toDelete(backups, this.authenticity::counts, now)) {
			if (!alwaysKept.contains(backup.id())) {
				try {
					this.store.delete(backup);
					deleted.add(backup);
				}
				catch (IOException ex) {
					logger.warn("Could not delete backup {} of database '{}' by retention: {}", backup.id(),
							db.name(), describe(ex));
				}
			}
		}
		if (!deleted.isEmpty()) {
			logger.info("Retention deleted {} backup(s) of database '{}'", deleted.size(), db.name());
		}
		return deleted;
	}

	/**
	 * Removes what crashed or failed operations left in the store, for every database that is not
	 * busy right now. Backups do this on their own before they start; call it at startup.
	 */
	public void cleanUp() {
		for (SqliteDatabase db : this.databases.values()) {
			try (RunningOperation operation = hold(db, OperationType.PRUNE)) {
				cleanUpLocked(db);
			}
			catch (OperationInProgressException ex) {
				// The running operation cleans up before it starts its own work.
			}
			catch (RuntimeException ex) {
				logger.warn("Could not clean up leftovers of database '{}': {}", db.name(), ex.getMessage());
			}
		}
	}

	private void cleanUpLocked(SqliteDatabase db) {
		try {
			this.store.cleanUp(db.name());
		}
		catch (IOException ex) {
			throw new BackupFailedException(db.name(), null,
					"Cannot clean up " + this.store.describe() + ": " + describe(ex), ex);
		}
	}

	// ---------------------------------------------------------------- helpers

	private DB.ProgressObserver progressObserver(SqliteDatabase db, RunningOperation operation) {
		return progressObserver(db, operation, CopyPacer.unpaced(), 0, 1);
	}

	/**
	 * Reports progress and paces the copy. A copy made in several passes over the same pages
	 * reports pass {@code pass} of {@code passes} as that share of one growing total.
	 */
	private DB.ProgressObserver progressObserver(SqliteDatabase db, RunningOperation operation, CopyPacer pacer,
			int pass, int passes) {
		long[] lastLog = { System.nanoTime() };
		return (remaining, pageCount) -> {
			long copied = Math.max(0, pageCount - remaining);
			pacer.afterStep(copied);
			OperationStatus status = operation.progress((pass * (long) pageCount + copied) / passes, pageCount);
			long now = System.nanoTime();
			if (now - lastLog[0] >= PROGRESS_LOG_INTERVAL.toNanos() && status.pagesDone() < pageCount) {
				lastLog[0] = now;
				logger.info("{} of database '{}': {}% ({} of {} pages)", status.type() == OperationType.RESTORE
						? "Restore" : "Backup", db.name(), Math.round(status.fractionDone() * 100),
						status.pagesDone(), status.pagesTotal());
			}
			for (BackupListener listener : this.listeners) {
				try {
					listener.progress(status);
				}
				catch (RuntimeException ex) {
					logger.debug("Progress listener failed", ex);
				}
			}
		};
	}

	/**
	 * Tells every listener, each on its own: a listener that throws is logged and the others are
	 * still told. The operation's outcome stands whatever a listener does; a restore that replaced
	 * the live database must not be reported as failed because a metrics callback broke.
	 */
	private void tellListeners(java.util.function.Consumer<BackupListener> call) {
		for (BackupListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("Backup listener {} failed; the operation's outcome stands", listener, ex);
			}
		}
	}

	/** sqlite-jdbc counts busy retries over the whole copy; this many cover the busy timeout. */
	private int busyRetries() {
		return (int) Math.max(1, this.options.busyTimeout().toMillis() / BUSY_RETRY_MILLIS);
	}

	private void deleteStaging(@Nullable Path staging) {
		if (staging == null) {
			return;
		}
		for (String suffix : new String[] { "", "-journal", "-wal", "-shm" }) {
			try {
				Files.deleteIfExists(staging.resolveSibling(staging.getFileName() + suffix));
			}
			catch (IOException ex) {
				logger.warn("Could not delete staging file {}{} (it is removed by the next backup): {}", staging,
						suffix, describe(ex));
			}
		}
	}

	/** Elapsed time to the millisecond, the precision manifests keep. */
	private static Duration elapsedSince(long startNanos) {
		return Duration.ofMillis((System.nanoTime() - startNanos) / 1_000_000);
	}

	private static String describe(Exception ex) {
		String message = ex.getMessage();
		if (ex instanceof java.nio.file.NoSuchFileException) {
			return "no such file " + message;
		}
		if (ex instanceof java.nio.file.FileSystemException fs && fs.getReason() != null) {
			return fs.getReason() + " (" + fs.getFile() + ")";
		}
		return (message != null) ? message : ex.getClass().getSimpleName();
	}

	private static String formatBytes(long bytes) {
		if (bytes < 1024 * 1024) {
			return String.format("%.1f KiB", bytes / 1024.0);
		}
		return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
	}

	/**
	 * What one backup run is asked for, so that the flow itself has no special cases by caller.
	 *
	 * @param trigger why the backup is taken, recorded in its manifest
	 * @param cleanUpFirst whether to remove leftovers of crashed operations first; a restore's safety
	 * backup must not, since the restore's own staging files wait there
	 * @param refuseUnexpectedlyEmpty whether a file database that lost all its tables since its last
	 * backup is refused instead of published
	 * @param keepIfUnverified whether a copy that fails its check is still published, marked
	 * unverified, instead of failing the run
	 * @param source connection to copy from when the caller already holds the database exclusively
	 */
	private record BackupRun(BackupTrigger trigger, boolean cleanUpFirst, boolean refuseUnexpectedlyEmpty,
			boolean keepIfUnverified, @Nullable SQLiteConnection source) {

		static BackupRun requested(BackupTrigger trigger) {
			return new BackupRun(trigger, true, true, false, null);
		}

		/**
		 * A safety backup is the only copy of the state a restore replaces: a damaged database's is
		 * kept unverified rather than block the restore that is meant to repair it.
		 */
		static BackupRun safety(@Nullable SQLiteConnection heldSource) {
			return new BackupRun(BackupTrigger.SAFETY, false, false, true, heldSource);
		}

	}

	/** The safety backup of one restore: taken at most once, when the restore's copy says so. */
	private final class SafetyBackup {

		private final SqliteDatabase db;

		private final Backup restoring;

		private final RunningOperation operation;

		private boolean pending;

		private @Nullable String id;

		private @Nullable RestoreFailedException failure;

		SafetyBackup(SqliteDatabase db, Backup restoring, RunningOperation operation, boolean wanted) {
			this.db = db;
			this.restoring = restoring;
			this.operation = operation;
			this.pending = wanted;
		}

		boolean isPending() {
			return this.pending;
		}

		/** Takes it now if still pending; a failure means the restore must not change anything. */
		void takeNow(@Nullable SQLiteConnection heldSource) {
			tryTakeNow(heldSource);
			throwIfFailed();
		}

		/** Takes it now if still pending, without throwing: it may run inside SQLite's copy. */
		boolean tryTakeNow(@Nullable SQLiteConnection heldSource) {
			if (!this.pending) {
				return this.failure == null;
			}
			this.pending = false;
			try {
				this.id = backupLocked(this.db, BackupRun.safety(heldSource), this.operation).id();
				return true;
			}
			catch (RuntimeException ex) {
				this.failure = new RestoreFailedException(this.db.name(), this.restoring.id(), "Restore of database '"
						+ this.db.name() + "' from backup " + this.restoring.id()
						+ " was not done because its safety backup failed (" + describe(ex)
						+ "); the live database was not changed", ex);
				return false;
			}
		}

		void throwIfFailed() {
			if (this.failure != null) {
				throw this.failure;
			}
		}

		@Nullable String id() {
			return this.id;
		}

	}

	/** The bytes a new backup is stored as, with what its manifest records about them. */
	private record StoredBytes(Path path, long sizeBytes, String sha256) {
	}

	/** A stored backup whose bytes do not decode: damaged, or its key is missing or wrong. */
	private static final class UndecodableException extends Exception {

		UndecodableException(String message, Throwable cause) {
			super(message, cause);
		}

	}

	/** What the source looked like in the snapshot that was copied. */
	private record Snapshot(String journalMode, String sqliteVersion, long pageCount, int pageSize,
			long tableCount) {

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

	/** What the live database looks like right before a restore. */
	private record LiveFacts(String journalMode, int pageSize, boolean inMemory) {

		boolean isWal() {
			return "wal".equalsIgnoreCase(this.journalMode);
		}

		boolean needsPageSize(int backupPageSize) {
			return backupPageSize != this.pageSize && (this.inMemory || isWal());
		}

	}

}
