package dev.sqlitebackup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.OperationLocks.RunningOperation;
import dev.sqlitebackup.codec.StoredForm;

/**
 * Continuous capture of one WAL-mode file database: each {@link #sync} ships the transactions
 * committed since the last one as a segment, read from the {@code -wal} file.
 * <p>
 * Why no frame is lost unseen: between passes the capture keeps a read transaction open. A reader
 * that reads from the WAL holds a read mark, and SQLite never restarts the WAL under one; a reader
 * that reads only the database file (when everything was checkpointed as it began) keeps every
 * checkpoint from writing into that file. Each pass copies first, then opens the next read
 * transaction before it closes the previous one, so that one is always held. Hence, between two
 * passes, the WAL starts a new generation (new salts, or truncated to nothing) at most once with
 * frames in it, and only after every frame of the old generation was copied: the next pass reads a
 * new generation from its start, whatever its salts (a connection that never restarted the WAL
 * itself writes random ones, and its own checkpoint sequence, after a truncation). As a check on
 * that argument, committed frames of the old generation past the copied position that are still
 * in the file after a restart mean frames were missed. When continuity cannot be shown (those
 * frames, a WAL shorter than what was copied, a read transaction that was lost with a failed pass
 * or a restart of the application), the pass starts a new chain from a fresh snapshot and logs why.
 * <p>
 * The capture checkpoints the WAL itself once it grows past {@link #CHECKPOINT_AFTER_FRAMES}:
 * under a write barrier (its own {@code BEGIN IMMEDIATE}, so that nothing commits in between) it
 * copies the last frames, lets go of its read transaction, runs a PASSIVE checkpoint, takes a new
 * read transaction and only then lifts the barrier.
 * <p>
 * A backup asked for while the chain is extended ({@link #snapshot}) is pinned the same way as a
 * chain's first snapshot, under a write barrier at the position up to which everything was shipped,
 * and becomes a later snapshot of the chain.
 */
final class WalCapture implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(WalCapture.class);

	/** Frames after which the capture checkpoints the WAL itself, as SQLite's own autocheckpoint would. */
	static final int CHECKPOINT_AFTER_FRAMES = 1000;

	/** A pass ships at most about this much; the rest follows in the next pass. */
	private static final long MAX_SEGMENT_BYTES = 64L << 20;

	/** How often an idle chain's head record is rewritten to say that it is still captured. */
	private static final Duration HEAD_REFRESH = Duration.ofSeconds(30);

	/** How long the checkpoint's write barrier waits for the application's writers before it tries next time. */
	private static final Duration BARRIER_WAIT = Duration.ofMillis(200);

	/** How long one attempt to take the write barrier waits. */
	private static final int BARRIER_ATTEMPT_MILLIS = 20;

	private final EngineContext context;

	private final BackupRun backups;

	private final SqliteDatabase db;

	private final Path file;

	private final Path wal;

	/** The connection whose read transaction keeps the WAL from restarting unseen. */
	private @Nullable SQLiteConnection hold;

	/** The connection that takes over the read transaction at the next pass. */
	private @Nullable SQLiteConnection spare;

	private @Nullable Chain chain;

	/** When a pass last succeeded, read without holding the database. */
	private volatile @Nullable Instant lastCaptureAt;

	/** When the newest segment this capture published was captured; read without holding the database. */
	private volatile @Nullable Instant lastPublishedAt;

	/** Why the last pass failed, {@code null} when it succeeded; read without holding the database. */
	private volatile @Nullable String lastFailure;

	/** The right to capture this database into the store, held while this capture has it. */
	private @Nullable StoreLock captureLock;

	/** Who captures the database while this capture stands by, else {@code null}. */
	private volatile @Nullable String standbyFor;

	/** Whether the database file was missing or empty when the application started. */
	private final boolean newAtStart;

	/** Whether the store was asked for history to restore, which a new database must not bury. */
	private boolean historyChecked;

	/** The newest point in the store while the capture waits for a restore, else {@code null}. */
	private volatile @Nullable ChainPoint awaitingRestore;

	/** The last point this capture published, {@code null} before the first. */
	private @Nullable ChainPoint lastPoint;

	/** Whether a restore decided what the next chain follows ({@link #nextParent}). */
	private boolean nextParentDecided;

	/** What the next chain follows when a restore decided it; {@code null} for none. */
	private @Nullable ChainPoint nextParent;

	/** What this capture noticed someone else did to the store, {@code null} when nothing. */
	private volatile @Nullable String storeTampered;

	/** The head record of the chain, as last written, {@code null} before the first chain. */
	private @Nullable ChainHead head;

	/** The instant the head record last said the chain was captured until. */
	private @Nullable Instant headAliveUntil;

	/** Whether a segment recording a gap was published since {@link #takeWindowChanged} was last asked. */
	private volatile boolean windowChanged;

	/** The newest instant a segment was stamped with. */
	private @Nullable Instant lastStamp;

	/** Why the next pass must start a new chain, or {@code null} when the current one continues. */
	private @Nullable String restartReason = "continuous backup started";

	WalCapture(EngineContext context, BackupRun backups, SqliteDatabase db, boolean newAtStart) {
		this.newAtStart = newAtStart;
		this.context = context;
		this.backups = backups;
		this.db = db;
		this.file = db.file()
			.orElseThrow(() -> new ContinuousBackupUnavailableException(db.name(), "Database '" + db.name()
					+ "' lives in memory, which continuous backup cannot cover (it reads the WAL file); turn it "
					+ "off for this database with sqlite.backup.databases." + db.name() + ".continuous.enabled=false"));
		this.wal = WalFrames.walOf(this.file);
		if (!context.store().keepsSegments(db.name())) {
			throw new ContinuousBackupUnavailableException(db.name(), "Continuous backup of database '" + db.name()
					+ "' needs a store that keeps segments, and " + context.store().describe() + " does not (only a "
					+ "local directory does for now); turn it off for this database with sqlite.backup.databases."
					+ db.name() + ".continuous.enabled=false");
		}
	}

	/** Ships what was committed since the last pass; starts a new chain when it must. */
	CaptureResult sync(RunningOperation operation) {
		try {
			CaptureResult result = pass(operation);
			this.lastFailure = null;
			return result;
		}
		catch (RuntimeException ex) {
			this.lastFailure = Messages.describe(ex);
			throw ex;
		}
	}

	/**
	 * Up to when everything SQLite committed is in the store: the instant of the last pass that
	 * found nothing left to ship, so that the age of the oldest commit not yet shipped is at most
	 * the time since. A pass that runs but cannot ship what SQLite committed does not move it.
	 */
	@Nullable Instant lastCaptureAt() {
		return this.lastCaptureAt;
	}

	private void shippedThrough(@Nullable Instant at) {
		Instant last = this.lastCaptureAt;
		if (at != null && (last == null || at.isAfter(last))) {
			this.lastCaptureAt = at;
		}
	}

	/** When the newest segment this capture published was captured, or {@code null} before the first. */
	@Nullable Instant lastPublishedAt() {
		return this.lastPublishedAt;
	}

	/** Why the last pass failed, or {@code null}. */
	@Nullable String lastFailure() {
		return this.lastFailure;
	}

	private CaptureResult pass(RunningOperation operation) {
		try {
			if (!mayCapture()) {
				return CaptureResult.idle(this.db.name(), CaptureResult.Idle.STANDBY);
			}
			if (this.chain == null && historyToRestore() != null) {
				return CaptureResult.idle(this.db.name(), CaptureResult.Idle.AWAITING_RESTORE);
			}
			if (this.chain == null || this.restartReason != null) {
				return startChain(operation, (this.restartReason != null) ? this.restartReason : "no chain yet",
						BackupTrigger.CONTINUOUS).result();
			}
			Chain chain = this.chain;
			Step step;
			try {
				step = captureNew(chain);
			}
			catch (SQLException | IOException | RuntimeException | Error ex) {
				// The read transaction is still held and the chain's position was not moved: the frames
				// wait in the WAL, and the next pass ships them into the same chain.
				throw new BackupFailedException(this.db.name(), null, "Continuous backup of database '"
						+ this.db.name() + "' could not ship its new transactions: " + describe(ex)
						+ "; they stay in the WAL and the next pass tries again", ex);
			}
			if (step.lostReason() != null) {
				logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
						+ "starting a new chain from a fresh snapshot", this.db.name(), chain.id, step.lostReason());
				return startChain(operation, step.lostReason(), BackupTrigger.CONTINUOUS).result();
			}
			renewHold();
			int shippedForCheckpoint = -1;
			if (chain.position.framesBefore(chain.pageSize) >= CHECKPOINT_AFTER_FRAMES) {
				shippedForCheckpoint = checkpoint(chain);
			}
			shippedThrough(step.shippedThrough());
			refreshHead();
			int frames = step.frames() + Math.max(0, shippedForCheckpoint);
			return new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), shippedForCheckpoint >= 0);
		}
		catch (BackupFailedException ex) {
			if (this.restartReason == null && this.hold != null) {
				throw ex;
			}
			throw failedPass(ex);
		}
		catch (SQLException | IOException | RuntimeException | Error ex) {
			throw failedPass(ex);
		}
	}

	/** A pass that failed where the read transaction or the chain's state may be lost: the next one starts a new chain. */
	private SqliteBackupException failedPass(Throwable ex) {
		this.restartReason = "the previous pass failed (" + describe(ex) + ")";
		release();
		if (ex instanceof SqliteBackupException known) {
			return known;
		}
		return new BackupFailedException(this.db.name(), null, "Continuous backup of database '" + this.db.name()
				+ "' failed: " + describe(ex) + "; the next pass starts a new chain", ex);
	}

	/** Names errors such as running out of memory, which carry no message of their own worth reading. */
	private static String describe(Throwable ex) {
		if (ex instanceof Exception exception) {
			return Messages.describe(exception);
		}
		return ex.getClass().getSimpleName() + ((ex.getMessage() != null) ? " (" + ex.getMessage() + ")" : "");
	}

	/**
	 * Takes a backup asked for while the database is captured, as the chain's next snapshot: under a
	 * write barrier, so that nothing commits meanwhile, ships the frames committed so far and opens
	 * the backup's read transaction at that position; lifts the barrier; copies the backup; publishes
	 * a snapshot segment that ties it to that position, from which a restore can start. When there
	 * is no chain to extend, or its continuity cannot be shown, a new chain starts from the backup.
	 * @return the backup, or {@code null} when it could not be tied to the chain before it was
	 * taken (the barrier could not be had, the WAL could not be read): the caller takes it as a
	 * plain backup, and the next pass starts a new chain
	 * @throws SqliteBackupException when the backup itself failed, as a plain one would
	 */
	@Nullable Snapshot snapshot(RunningOperation operation, BackupTrigger trigger) {
		try {
			if (!mayCapture()) {
				return null;
			}
		}
		catch (IOException ex) {
			logger.warn("Backup of database '{}' is taken plain: whether this process captures it is unknown ({})",
					this.db.name(), ex.getMessage());
			return null;
		}
		if (this.chain == null && historyToRestore() != null) {
			// A backup of the new database is taken, but it starts no chain over the store's history.
			return null;
		}
		try {
			Snapshot snapshot = extendWithSnapshot(operation, trigger);
			this.lastFailure = null;
			return snapshot;
		}
		catch (RequestedBackupFailed ex) {
			throw ex.failure;
		}
		catch (SQLException | IOException | RuntimeException | Error ex) {
			this.restartReason = "the previous pass failed (" + describe(ex) + ")";
			this.lastFailure = describe(ex);
			release();
			logger.warn("Backup of database '{}' could not become a snapshot of its continuous backup chain ({}); "
					+ "it is taken as a plain backup and the next pass starts a new chain", this.db.name(),
					describe(ex));
			return null;
		}
	}

	private Snapshot extendWithSnapshot(RunningOperation operation, BackupTrigger trigger)
			throws SQLException, IOException {
		Chain chain = this.chain;
		if (chain == null || this.restartReason != null) {
			return startChain(operation, (this.restartReason != null) ? this.restartReason : "no chain yet", trigger);
		}
		// Most frames are shipped before writers are held back, so that the barrier is short.
		Step before = captureNew(chain);
		if (before.lostReason() != null) {
			logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
					+ "starting a new chain from the backup asked for", this.db.name(), chain.id, before.lostReason());
			return startChain(operation, before.lostReason(), trigger);
		}
		SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
		try {
			Pinned<Step> pinned = whileWritersWait(() -> {
				Step drained = drain(chain);
				return new Pinned<>(drained, pin(source));
			});
			Step step = pinned.value();
			Instant positionAt = stamp(pinned.at());
			if (step.lostReason() != null) {
				logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
						+ "starting a new chain from the backup asked for", this.db.name(), chain.id, step.lostReason());
				source.close();
				return startChain(operation, step.lostReason(), trigger);
			}
			shippedThrough(step.shippedThrough());
			renewHold();
			Backup backup = takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			Position position = chain.position;
			String noFrames = sha256(new byte[0]);
			Segment marker = new Segment(chain.id, chain.nextSequence, this.db.name(), backup.id(), positionAt,
					position.walSequence(), position.salt1(), position.salt2(), position.offset(), position.offset(),
					position.checksum(), position.checksum(), position.bigEndian(), 0, backup.pageSize(),
					backup.pageCount(), noFrames, chain.previousSha256, backup.sha256(), 0, "", "", null, null, null, null,
					null);
			int frames = before.frames() + step.frames();
			CaptureResult shipped = new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), false);
			try {
				publishWithoutFrames(marker);
			}
			catch (IOException | RuntimeException ex) {
				// The backup is published and sound; only the chain cannot name it.
				logger.warn("Backup {} of database '{}' could not be recorded as a snapshot of chain {} ({}); the next "
						+ "pass starts a new chain", backup.id(), this.db.name(), chain.id, Messages.describe(ex));
				restartChain("the snapshot segment of backup " + backup.id() + " could not be published");
				return new Snapshot(backup, shipped);
			}
			chain.nextSequence++;
			chain.previousSha256 = noFrames;
			chain.baseBackupId = backup.id();
			logger.info("Continuous backup of database '{}' took backup {} as snapshot {} of chain {}", this.db.name(),
					backup.id(), marker.sequence(), chain.id);
			return new Snapshot(backup, shipped);
		}
		finally {
			source.close();
		}
	}

	/** Runs a backup asked for; its own failure is told apart from a failure to tie it to the chain. */
	private Backup takeBackup(RunningOperation operation, BackupRequest request) {
		try {
			return this.backups.run(this.db, request, operation);
		}
		catch (SqliteBackupException ex) {
			throw new RequestedBackupFailed(ex);
		}
	}

	/** Makes the next pass start a new chain, and lets go of the database now (a restore replaces it). */
	void restartChain(String reason) {
		this.restartReason = reason;
		release();
	}

	/**
	 * Whether this capture has the right to capture the database into the store, taking it when
	 * nobody else has it. Another process (a second instance during a deploy, a one-off job) may
	 * hold it: this one then stands by, holding nothing of the database, and takes over, with a
	 * new chain that follows the store's newest point, once that process lets go.
	 */
	private boolean mayCapture() throws IOException {
		if (this.captureLock != null) {
			return true;
		}
		String holder = "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", capturing since "
				+ this.context.clock().instant().truncatedTo(ChronoUnit.SECONDS);
		java.util.Optional<StoreLock> lock = this.context.store().tryCaptureLock(this.db.name(), holder);
		if (lock.isPresent()) {
			this.captureLock = lock.get();
			if (this.standbyFor != null) {
				logger.info("Continuous backup of database '{}' takes over from {}", this.db.name(), this.standbyFor);
				this.restartReason = "took over from " + this.standbyFor;
				this.standbyFor = null;
			}
			return true;
		}
		String other = this.context.store().captureHolder(this.db.name()).orElse("another process");
		if (!other.equals(this.standbyFor)) {
			logger.info("Continuous backup of database '{}' stands by: {} captures it into {}", this.db.name(), other,
					this.context.store().describe());
		}
		this.standbyFor = other;
		if (this.chain != null) {
			this.chain = null;
			this.restartReason = "stood by for " + other;
		}
		release();
		return false;
	}

	/**
	 * Whether another process has the right to capture the database, so that this capture stands
	 * by; tries to take it first. The caller holds the database in this process.
	 */
	boolean standsBy() {
		try {
			return !mayCapture();
		}
		catch (IOException ex) {
			// The pass takes it again and reports what fails.
			return false;
		}
	}

	/** Who captures the database while this capture stands by, or {@code null} when it captures. */
	@Nullable String standbyFor() {
		return this.standbyFor;
	}

	private static String hostName() {
		try {
			return java.net.InetAddress.getLocalHost().getHostName();
		}
		catch (java.io.IOException | RuntimeException ex) {
			return "an unknown host";
		}
	}

	/**
	 * Tells the capture what a restore brought the database to, so that the next chain names it
	 * as its parent: a point of a chain, or {@code null} when the state follows none (a backup).
	 * Ends the wait for a restore.
	 */
	void restoredTo(@Nullable ChainPoint point) {
		this.nextParent = point;
		this.nextParentDecided = true;
		this.awaitingRestore = null;
		if (point != null) {
			this.restartReason = "the database was restored to " + point.capturedAt() + " (segment " + point.sequence()
					+ " of chain " + point.chainId() + ")";
		}
	}

	/**
	 * The chain this capture extends and the instant up to which everything committed is shipped
	 * into it, which the store cannot know; {@code null} without a chain or before a pass.
	 */
	ChainHistory.@Nullable Live live() {
		Chain chain = this.chain;
		Instant until = this.lastCaptureAt;
		return (chain != null && until != null && this.restartReason == null) ? new ChainHistory.Live(chain.id, until)
				: null;
	}

	/** Whether a segment that changes the restore window's gaps was published since the last call. */
	boolean takeWindowChanged() {
		boolean changed = this.windowChanged;
		this.windowChanged = false;
		return changed;
	}

	/**
	 * The newest point in the store when the database was new at start and the store holds
	 * history of it with data: a chain of the new database would become "latest" and bury that
	 * history, so none starts until a restore (see {@link #restoredTo}). {@code null} otherwise.
	 */
	private @Nullable ChainPoint historyToRestore() {
		if (!this.newAtStart || this.nextParentDecided) {
			return null;
		}
		if (!this.historyChecked) {
			java.util.Set<String> stored = new java.util.HashSet<>();
			this.context.list(this.db.name()).forEach((backup) -> stored.add(backup.id()));
			ChainHistory.Chain latest = storeHistory(stored::contains).latest();
			this.historyChecked = true;
			// A history of a database without a single table is nothing to bury.
			if (latest != null && latest.head().newestPageCount() > 1) {
				this.awaitingRestore = latest.newestPoint();
				logger.warn("Continuous backup of database '{}' starts no chain: {}", this.db.name(), awaitingReason());
			}
		}
		return this.awaitingRestore;
	}

	/** Why no chain starts while the capture waits for a restore, and what to do; {@code null} when it does not wait. */
	@Nullable String awaitingReason() {
		ChainPoint history = this.awaitingRestore;
		if (history == null) {
			return null;
		}
		return "the database file was new or empty when the application started, while the store holds its history "
				+ "up to " + history.capturedAt() + " (chain " + history.chainId() + "). Restore it (POST "
				+ "/actuator/sqlitebackup/" + this.db.name() + " {\"action\":\"restore\",\"pointInTime\":\"latest\"}, "
				+ "or SqliteBackupTemplate.restoreLatest); to start a new history on purpose, point the backup store "
				+ "at an empty location";
	}

	/**
	 * The point the next chain's snapshot follows: what a restore brought the database to; else
	 * the last point this capture published; else, for the first chain of this process, the
	 * newest point in the store, which the database on disk goes on from.
	 */
	private @Nullable ChainPoint parentOfNextChain() {
		if (this.nextParentDecided) {
			return this.nextParent;
		}
		if (this.lastPoint != null) {
			return this.lastPoint;
		}
		// Whether its snapshots are still stored does not matter: the new chain follows that point.
		ChainHistory.Chain latest = storeHistory((backupId) -> true).latest();
		return (latest != null) ? latest.newestPoint() : null;
	}

	/** The history of the chains in the store, read through their head records. */
	private ChainHistory storeHistory(java.util.function.Predicate<String> backupStored) {
		return new ChainIndex(this.context).history(this.db.name(), backupStored);
	}

	/**
	 * Starts a chain: under a write barrier, so that nothing commits meanwhile, reads where the WAL's
	 * committed frames end and opens the read transactions of the snapshot and of the hold; lifts
	 * the barrier; copies the snapshot; publishes segment 0, which ties the snapshot to that position.
	 */
	private Snapshot startChain(RunningOperation operation, String reason, BackupTrigger trigger)
			throws SQLException, IOException {
		release();
		this.chain = null;
		requireWal();
		// First finish what a process that died in the middle of a publication left, so that the
		// chain before this one ends where it really does.
		try {
			this.context.store().cleanUp(this.db.name());
		}
		catch (IOException ex) {
			logger.warn("Continuous backup of database '{}' could not clean up the store before a new chain: {}",
					this.db.name(), Messages.describe(ex));
		}
		ChainPoint parent = parentOfNextChain();
		if (parent != null && (this.lastStamp == null || this.lastStamp.isBefore(parent.capturedAt()))) {
			// A chain that follows another never looks older than it, whatever this machine's clock says.
			this.lastStamp = parent.capturedAt();
		}
		SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
		try {
			Pinned<Position> pinned;
			try {
				pinned = pinChainStart(source);
			}
			catch (UnreadableWalException ex) {
				logger.warn("Continuous backup of database '{}' cannot read its WAL as SQLite counts it ({}); checkpointing "
						+ "it (TRUNCATE) so that the new chain starts on a WAL written from its start", this.db.name(),
						ex.getMessage());
				truncateWal();
				pinned = pinChainStart(source);
			}
			Position position = pinned.value();
			Instant positionAt = stamp(pinned.at());
			Backup base = (trigger == BackupTrigger.CONTINUOUS)
					? this.backups.run(this.db, BackupRequest.chainStart(source), operation)
					: takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			String chainId = BackupIds.next(positionAt);
			Segment anchor = new Segment(chainId, 0, this.db.name(), base.id(), positionAt, position.walSequence(),
					position.salt1(), position.salt2(), position.offset(), position.offset(), position.checksum(),
					position.checksum(), position.bigEndian(), 0, base.pageSize(), base.pageCount(), sha256(new byte[0]),
					base.sha256(), null, 0, "", "", null, null, parent, reason, null);
			// The head first: from the moment its anchor exists, the store's index must know the chain.
			writeHead(ChainHead.of(List.of(anchor)).aliveUntil(positionAt));
			publishWithoutFrames(anchor);
			this.chain = new Chain(chainId, base.id(), base.pageSize(), 1, position, sha256(new byte[0]));
			this.restartReason = null;
			this.nextParentDecided = false;
			shippedThrough(pinned.at());
			logger.info("Continuous backup of database '{}' started chain {} from backup {} ({})", this.db.name(), chainId,
					base.id(), reason);
			return new Snapshot(base, new CaptureResult(this.db.name(), chainId, reason, 0, 0, false));
		}
		finally {
			source.close();
		}
	}

	/** Under a write barrier, reads where the WAL's committed frames end and opens the snapshot's and the hold's read transactions. */
	private Pinned<Position> pinChainStart(SQLiteConnection source) throws SQLException, IOException {
		return whileWritersWait(() -> {
			Position end = endOfCommitted();
			this.hold = beginRead(SqliteConnections.openLive(this.file, this.context.options().busyTimeout()));
			return new Pinned<>(end, pin(source));
		});
	}

	/** Checkpoints every frame and truncates the WAL, so that the next frames start a generation of their own. */
	private void truncateWal() throws SQLException {
		try (Statement statement = spare().createStatement();
				ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
			if (result.next() && result.getInt(1) != 0) {
				throw new SQLException("the WAL could not be checkpointed: another connection kept it busy");
			}
		}
	}

	private void requireWal() throws SQLException {
		try (SQLiteConnection probe = SqliteConnections.openLive(this.file, this.context.options().busyTimeout())) {
			String mode = SqliteConnections.text(probe, "PRAGMA journal_mode");
			if (!"wal".equalsIgnoreCase(mode)) {
				throw new ContinuousBackupUnavailableException(this.db.name(), "Database '" + this.db.name()
						+ "' is in " + mode + " journal mode; continuous backup covers only WAL-mode databases. Switch "
						+ "it to WAL (PRAGMA journal_mode=WAL, or the journal_mode data source property), or turn "
						+ "continuous backup off for it with sqlite.backup.databases." + this.db.name()
						+ ".continuous.enabled=false");
			}
		}
	}

	/**
	 * Ships the frames committed since the chain's position as its next segment, streamed from the
	 * {@code -wal} file into staging through a bounded buffer, whatever the size of a transaction.
	 * Reads no further than SQLite's own committed end ({@link WalEnd}): frames past it were not
	 * committed, whatever their checksums say. Accepts the WAL it finds only when it can prove that
	 * nothing was skipped or rewritten (see the class comment).
	 */
	private Step captureNew(Chain chain) throws SQLException, IOException {
		Position from = chain.position;
		WalEnd end = WalEnd.read(spare(), this.wal, this.context.clock());
		WalFrames.Header header = end.header();
		if (header == null) {
			if (!from.isEmptyWal() && !Files.exists(this.wal)) {
				return Step.lost("its WAL file was deleted since the last pass");
			}
			// Truncated by a checkpoint after everything was copied (see the class comment):
			// the next generation starts from its header, whatever its salts.
			return Step.shipped(0, end.at());
		}
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			Position start;
			if (from.isEmptyWal() || header.salt1() != from.salt1() || header.salt2() != from.salt2()) {
				String unseen = committedAfter(channel, from, chain.pageSize);
				if (unseen != null) {
					return Step.lost(unseen);
				}
				start = Position.startOf(header);
			}
			else {
				String rewritten = rewrittenBefore(channel, from, chain.pageSize);
				if (rewritten != null) {
					return Step.lost(rewritten);
				}
				start = from;
			}
			long limit = end.endOffset();
			if (limit <= start.offset()) {
				chain.position = start;
				return Step.shipped(0, end.at());
			}
			Segment plain;
			try (StagingFile staging = this.context.store()
				.newStagingFile(this.db.name(), Segment.idOf(chain.id, chain.nextSequence))) {
				WalFrames.Committed committed;
				try (FileChannel out = FileChannel.open(staging.path(), StandardOpenOption.CREATE_NEW,
						StandardOpenOption.WRITE)) {
					committed = WalFrames.copyCommitted(channel, header, start.offset(), start.checksum(), limit,
							MAX_SEGMENT_BYTES, out);
				}
				boolean cut = committed.endOffset() - start.offset() > MAX_SEGMENT_BYTES;
				if (committed.endOffset() < limit && !cut) {
					String unreadable = unreadableBefore(header, limit, committed.endOffset());
					if (unreadable != null) {
						return Step.lost(unreadable);
					}
					if (committed.frameCount() == 0) {
						// The WAL restarted since its end was read: the next pass reads the new generation.
						return Step.NOTHING;
					}
				}
				Instant capturedAt = stamp(this.context.clock().instant());
				plain = new Segment(chain.id, chain.nextSequence, this.db.name(), chain.baseBackupId, capturedAt,
						header.sequence(), header.salt1(), header.salt2(), start.offset(), committed.endOffset(),
						start.checksum(), committed.checksumOut(), header.bigEndian(), committed.frameCount(),
						header.pageSize(), committed.pageCount(), committed.sha256(), chain.previousSha256, null, 0, "",
						"", null, null, null, null, gapBefore(end.at(), capturedAt));
				publish(plain, staging.path());
				chain.nextSequence++;
				chain.previousSha256 = plain.plainSha256();
				chain.position = new Position(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
						committed.checksumOut(), header.bigEndian());
				return new Step(null, committed.frameCount(), (committed.endOffset() == limit) ? end.at() : null);
			}
		}
		catch (NoSuchFileException ex) {
			return from.isEmptyWal() ? Step.NOTHING : Step.lost("its WAL file was deleted since the last pass");
		}
	}

	/**
	 * The stretch before a segment in which no pass found everything shipped for longer than the
	 * options allow (passes failed, or did not run): its commits were made somewhere in it and carry
	 * no instant of their own. {@code null} when passes kept up.
	 */
	private @Nullable Gap gapBefore(Instant observedAt, Instant capturedAt) {
		Instant since = this.lastCaptureAt;
		if (since == null || !since.isBefore(capturedAt)
				|| Duration.between(since, observedAt).compareTo(this.context.options().maxPassSpacing()) <= 0) {
			return null;
		}
		String failure = this.lastFailure;
		String reason = (failure != null) ? "passes failed (" + failure + ")"
				: "no pass shipped for " + Duration.between(since, observedAt).toSeconds() + " s";
		return new Gap(since.truncatedTo(ChronoUnit.MILLIS), capturedAt, reason);
	}

	/**
	 * Why the chain cannot go on when the last frame it shipped is no longer the one in the WAL:
	 * frames were written over in place (a writer killed in the middle of a commit leaves frames
	 * that look committed and that the next writer overwrites), so what was shipped may never have
	 * been committed. {@code null} when the frame is still there.
	 */
	private static @Nullable String rewrittenBefore(FileChannel channel, Position from, int pageSize)
			throws IOException {
		if (channel.size() < from.offset()) {
			return "its WAL is shorter than what was already captured";
		}
		if (from.offset() <= WalFrames.HEADER_SIZE) {
			return null;
		}
		ByteBuffer frame = ByteBuffer.allocate(WalFrames.FRAME_HEADER_SIZE);
		long at = from.offset() - WalFrames.FRAME_HEADER_SIZE - pageSize;
		while (frame.hasRemaining() && channel.read(frame, at + frame.position()) >= 0) {
			// reads the whole frame header
		}
		if (frame.hasRemaining() || frame.getInt(8) != from.salt1() || frame.getInt(12) != from.salt2()
				|| frame.getLong(16) != from.checksum()) {
			return "the last WAL frame it shipped (ending at offset " + from.offset() + ") was written over in place, "
					+ "so what it shipped there may never have been committed";
		}
		return null;
	}

	/**
	 * Why frames SQLite counts as committed cannot be read from the WAL of the generation they
	 * belong to, or {@code null} when the WAL restarted meanwhile (nothing is wrong then).
	 */
	private @Nullable String unreadableBefore(WalFrames.Header header, long limit, long readTo) throws IOException {
		WalFrames.Header now;
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			now = WalFrames.readHeader(channel);
		}
		if (now == null || now.salt1() != header.salt1() || now.salt2() != header.salt2()) {
			return null;
		}
		return "the WAL frames SQLite counts as committed up to offset " + limit + " do not read back as valid frames "
				+ "after offset " + readTo;
	}

	/**
	 * Ships every frame committed after the chain's position, in as many segments as it takes; the
	 * caller holds the write barrier, so the end it reaches is the end of what was committed. The
	 * checkpoint and a snapshot rely on that: one pass alone stops after about
	 * {@link #MAX_SEGMENT_BYTES}.
	 */
	private Step drain(Chain chain) throws SQLException, IOException {
		int frames = 0;
		while (true) {
			Step step = captureNew(chain);
			if (step.lostReason() != null) {
				return step;
			}
			if (step.frames() == 0) {
				return new Step(null, frames, step.shippedThrough());
			}
			frames += step.frames();
		}
	}

	/**
	 * Why frames of the previous generation may have been missed: committed frames that continue
	 * the chain past its position are still in the file after the WAL restarted, so they were
	 * written and checkpointed without being copied. {@code null} when there are none.
	 */
	private static @Nullable String committedAfter(FileChannel channel, Position from, int pageSize)
			throws IOException {
		if (from.isEmptyWal()) {
			return null;
		}
		WalFrames.Header previous = new WalFrames.Header(pageSize, from.walSequence(), from.salt1(), from.salt2(),
				from.checksum(), from.bigEndian());
		WalFrames.Committed unseen = WalFrames.scanCommitted(channel, previous, from.offset(), from.checksum(),
				Long.MAX_VALUE);
		return (unseen.frameCount() == 0) ? null
				: "the WAL restarted with " + unseen.frameCount() + " more frames of its previous generation after "
						+ "what was captured, which may have been committed and checkpointed without being copied";
	}

	/** Publishes frames staged in a file, in the configured stored form, with a signed manifest. */
	private void publish(Segment plain, Path frames) throws IOException {
		BackupStore store = this.context.store();
		StoredForm form = this.context.options().storedForm();
		if (form.isPlain()) {
			store.publishSegment(frames, stored(plain, form, Files.size(frames), plain.plainSha256()));
		}
		else {
			try (StagingFile encoded = store.newStagingFile(this.db.name(), plain.id() + "-stored")) {
				StoredForm.Encoded result = form.encode(frames, encoded.path(), this.db.name(), plain.id());
				store.publishSegment(encoded.path(), stored(plain, form, result.sizeBytes(), result.sha256()));
			}
		}
		this.lastPublishedAt = plain.capturedAt();
		this.lastPoint = plain.point();
		if (plain.gapBefore() != null) {
			this.windowChanged = true;
		}
		ChainHead head = this.head;
		if (head != null && head.chainId().equals(plain.chainId())) {
			writeHead(head.after(plain, plain.capturedAt()));
		}
	}

	/**
	 * Rewrites the chain's head record: what the chain is, how far it reached, and until when it
	 * was captured. A head that cannot be written only lags (readers look for segments after the
	 * one it names), so its failure does not fail the pass.
	 */
	private void writeHead(ChainHead head) {
		this.head = head;
		try {
			this.context.store().publishChainHead(this.context.authenticity().sign(head));
			this.headAliveUntil = head.aliveUntil();
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Continuous backup of database '{}' could not write the head record of chain {}: {}",
					this.db.name(), head.chainId(), Messages.describe(ex));
		}
	}

	/**
	 * Now and then: checks that the store's head record of the chain is still the one this capture
	 * wrote (someone who deleted the newest segments may also have rolled it back or deleted it,
	 * which only this process can notice), and records that the chain is still captured, so that a
	 * restart shows no false gap.
	 */
	private void refreshHead() {
		ChainHead head = this.head;
		Instant until = this.lastCaptureAt;
		Chain chain = this.chain;
		if (head == null || until == null || chain == null || !head.chainId().equals(chain.id)
				|| (this.headAliveUntil != null
						&& Duration.between(this.headAliveUntil, until).compareTo(HEAD_REFRESH) < 0)) {
			return;
		}
		ChainHead stored = this.context.fromStore(this.db.name(), () -> this.context.store().listChainHeads(this.db.name()))
			.get(chain.id);
		if (stored == null || stored.newestSequence() < head.newestSequence()) {
			this.storeTampered = "the head record of chain " + chain.id + " in the store was "
					+ ((stored == null) ? "deleted" : "rolled back to segment " + stored.newestSequence())
					+ " after this process wrote it for segment " + head.newestSequence() + " at "
					+ head.newestCapturedAt() + ": someone else changed the store, and segments may have been deleted "
					+ "with it";
			logger.warn("Continuous backup of database '{}': {}", this.db.name(), this.storeTampered);
		}
		writeHead(head.aliveUntil(until));
	}

	/** Why the store looks changed behind this capture's back, or {@code null}. */
	@Nullable String storeTampered() {
		return this.storeTampered;
	}

	/** Publishes a segment without frames: the anchor of a chain, or a later snapshot. */
	private void publishWithoutFrames(Segment plain) throws IOException {
		try (StagingFile staging = this.context.store().newStagingFile(this.db.name(), plain.id())) {
			Files.write(staging.path(), new byte[0], StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			publish(plain, staging.path());
		}
	}

	/**
	 * The instant a segment is stamped with: the clock, but never before an instant stamped
	 * already, so that a clock stepped back (NTP, a resumed VM) cannot make a later segment look
	 * older. Until the clock catches up, segments keep the last instant.
	 */
	private Instant stamp(Instant now) {
		Instant at = now.truncatedTo(ChronoUnit.MILLIS);
		Instant last = this.lastStamp;
		if (last != null && at.isBefore(last)) {
			at = last;
		}
		this.lastStamp = at;
		return at;
	}

	private Segment stored(Segment plain, StoredForm form, long sizeBytes, String sha256) {
		Segment segment = new Segment(plain.chainId(), plain.sequence(), plain.database(), plain.baseBackupId(),
				plain.capturedAt(), plain.walSequence(), plain.salt1(), plain.salt2(), plain.startOffset(),
				plain.endOffset(), plain.checksumIn(), plain.checksumOut(), plain.bigEndianChecksum(),
				plain.frameCount(), plain.pageSize(), plain.pageCount(), plain.plainSha256(), plain.previousSha256(),
				plain.snapshotSha256(), sizeBytes, sha256, form.compression().codecName(), form.encryptionKeyId(), null,
				plain.parent(), plain.startReason(), plain.gapBefore());
		return this.context.authenticity().sign(segment);
	}

	/**
	 * Checkpoints the WAL so that it does not grow without bound. Under the write barrier nothing
	 * commits, so after the last copy there is nothing the checkpoint could move into the database
	 * file unseen. A barrier that cannot be had soon (a long write transaction) is tried next time.
	 * @return frames shipped under the barrier, or {@code -1} when it did not checkpoint
	 */
	private int checkpoint(Chain chain) throws SQLException, IOException {
		try (SQLiteConnection barrier = SqliteConnections.openLive(this.file, BARRIER_WAIT);
				Statement statement = barrier.createStatement()) {
			try {
				takeWriteBarrier(statement, BARRIER_WAIT);
			}
			catch (SQLException ex) {
				logger.debug("Continuous backup of database '{}' postpones its checkpoint: {}", this.db.name(),
						ex.getMessage());
				return -1;
			}
			try {
				Step step = drain(chain);
				if (step.lostReason() != null) {
					this.restartReason = step.lostReason();
					return -1;
				}
				SQLiteConnection checkpointer = spare();
				endRead(this.hold);
				try (Statement checkpoint = checkpointer.createStatement();
						ResultSet result = checkpoint.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
					if (result.next()) {
						logger.debug("Checkpoint of database '{}': busy {}, {} frames, {} checkpointed", this.db.name(),
								result.getInt(1), result.getInt(2), result.getInt(3));
					}
				}
				this.spare = this.hold;
				this.hold = beginRead(checkpointer);
				return step.frames();
			}
			finally {
				statement.execute("ROLLBACK");
			}
		}
	}

	/** Runs work while nothing can commit: under a write barrier of its own, rolled back afterwards. */
	private <T> T whileWritersWait(BarrierWork<T> work) throws SQLException, IOException {
		try (SQLiteConnection barrier = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
				Statement statement = barrier.createStatement()) {
			takeWriteBarrier(statement, this.context.options().busyTimeout());
			try {
				return work.run();
			}
			finally {
				statement.execute("ROLLBACK");
			}
		}
	}

	/** Begins the read transaction a snapshot is copied through; returns when, to the millisecond. */
	private Instant pin(SQLiteConnection source) throws SQLException {
		source.setAutoCommit(false);
		SqliteConnections.number(source, "SELECT count(*) FROM sqlite_schema");
		return this.context.clock().instant().truncatedTo(ChronoUnit.MILLIS);
	}

	/** Work done under the write barrier. */
	@FunctionalInterface
	private interface BarrierWork<T> {

		T run() throws SQLException, IOException;

	}

	/** What was read under the write barrier, and when the snapshot's read transaction began. */
	private record Pinned<T>(T value, Instant at) {
	}

	/**
	 * Takes the write lock ({@code BEGIN IMMEDIATE}) so that nothing commits until it is rolled back.
	 * SQLite's busy handler sleeps longer and longer between attempts and so loses every race for
	 * the lock to writers that commit back to back; short attempts win one of the gaps between them.
	 */
	private static void takeWriteBarrier(Statement statement, Duration wait) throws SQLException {
		long deadline = System.nanoTime() + wait.toNanos();
		statement.execute("PRAGMA busy_timeout=" + BARRIER_ATTEMPT_MILLIS);
		while (true) {
			try {
				statement.execute("BEGIN IMMEDIATE");
				return;
			}
			catch (SQLException ex) {
				if ((ex.getErrorCode() & 0xFF) != 5 || System.nanoTime() > deadline) {
					throw ex;
				}
				try {
					Thread.sleep(1);
				}
				catch (InterruptedException interrupted) {
					Thread.currentThread().interrupt();
					throw ex;
				}
			}
		}
	}

	/** Opens the next read transaction before closing the previous one, so that one is always held. */
	private void renewHold() throws SQLException {
		SQLiteConnection next = beginRead(spare());
		endRead(this.hold);
		this.spare = this.hold;
		this.hold = next;
	}

	private SQLiteConnection spare() throws SQLException {
		if (this.spare == null) {
			this.spare = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
		}
		return this.spare;
	}

	private static SQLiteConnection beginRead(SQLiteConnection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			// A read transaction takes its snapshot (and its read mark) at its first read.
			statement.executeQuery("SELECT count(*) FROM sqlite_schema").close();
		}
		return connection;
	}

	private static void endRead(@Nullable SQLiteConnection connection) throws SQLException {
		if (connection != null) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("ROLLBACK");
			}
		}
	}

	/**
	 * Where SQLite's committed frames of the WAL end right now; the caller holds the write barrier,
	 * so nothing commits meanwhile.
	 */
	private Position endOfCommitted() throws SQLException, IOException {
		WalEnd end = WalEnd.read(spare(), this.wal, this.context.clock());
		WalFrames.Header header = end.header();
		if (header == null) {
			return Position.EMPTY_WAL;
		}
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			Position start = Position.startOf(header);
			WalFrames.Committed committed = WalFrames.scanCommitted(channel, header, start.offset(), start.checksum(),
					end.endOffset());
			if (committed.endOffset() != Math.max(start.offset(), end.endOffset())) {
				throw new UnreadableWalException("the WAL frames SQLite counts as committed up to offset " + end.endOffset()
						+ " do not read back as valid frames after offset " + committed.endOffset());
			}
			return (committed.frameCount() == 0) ? start
					: new Position(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
							committed.checksumOut(), header.bigEndian());
		}
		catch (NoSuchFileException ex) {
			return Position.EMPTY_WAL;
		}
	}

	/** Lets go of the read transactions; the chain cannot go on without them. */
	private void release() {
		for (SQLiteConnection connection : new SQLiteConnection[] { this.hold, this.spare }) {
			if (connection != null) {
				try {
					connection.close();
				}
				catch (SQLException ex) {
					logger.debug("Could not close a connection of continuous backup: {}", ex.getMessage());
				}
			}
		}
		this.hold = null;
		this.spare = null;
		if (this.restartReason == null) {
			this.restartReason = "continuous backup was stopped";
		}
	}

	@Override
	public void close() {
		ChainHead head = this.head;
		Instant until = this.lastCaptureAt;
		if (this.chain != null && head != null && until != null && this.restartReason == null
				&& head.chainId().equals(this.chain.id)) {
			writeHead(head.aliveUntil(until));
		}
		release();
		StoreLock lock = this.captureLock;
		this.captureLock = null;
		if (lock != null) {
			try {
				lock.close();
			}
			catch (IOException ex) {
				logger.debug("Could not let go of the capture of database '{}': {}", this.db.name(), ex.getMessage());
			}
		}
	}

	static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(BackupFileCheck.newSha256().digest(bytes));
	}

	/**
	 * A point in the WAL: just after the last frame captured.
	 *
	 * @param walSequence checkpoint sequence of the WAL generation, {@code -1} when the WAL was empty
	 */
	record Position(long walSequence, int salt1, int salt2, long offset, long checksum, boolean bigEndian) {

		static final Position EMPTY_WAL = new Position(-1, 0, 0, WalFrames.HEADER_SIZE, 0, true);

		static Position startOf(WalFrames.Header header) {
			return new Position(header.sequence(), header.salt1(), header.salt2(), WalFrames.HEADER_SIZE,
					header.checksum(), header.bigEndian());
		}

		boolean isEmptyWal() {
			return this.walSequence < 0;
		}

		/** Frames of this generation of the WAL before this point. */
		long framesBefore(int pageSize) {
			return (this.offset - WalFrames.HEADER_SIZE) / (WalFrames.FRAME_HEADER_SIZE + pageSize);
		}

	}

	/** The chain being extended. */
	private static final class Chain {

		final String id;

		String baseBackupId;

		final int pageSize;

		long nextSequence;

		Position position;

		String previousSha256;

		Chain(String id, String baseBackupId, int pageSize, long nextSequence, Position position,
				String previousSha256) {
			this.id = id;
			this.baseBackupId = baseBackupId;
			this.pageSize = pageSize;
			this.nextSequence = nextSequence;
			this.position = position;
			this.previousSha256 = previousSha256;
		}

	}

	/**
	 * A backup taken as a snapshot of a chain, and what shipping the frames before it did.
	 *
	 * @param backup the backup, which a restore can start the chain from
	 * @param result the frames shipped up to the backup's position, or the start of a new chain
	 */
	record Snapshot(Backup backup, CaptureResult result) {
	}

	/** A backup asked for failed as a plain one would have: its failure is the caller's answer. */
	private static final class RequestedBackupFailed extends RuntimeException {

		private static final long serialVersionUID = 1L;

		final SqliteBackupException failure;

		RequestedBackupFailed(SqliteBackupException failure) {
			super(failure.getMessage(), failure, false, false);
			this.failure = failure;
		}

	}

	/** The WAL's frames do not read back as valid up to where SQLite counts them committed. */
	private static final class UnreadableWalException extends IOException {

		private static final long serialVersionUID = 1L;

		UnreadableWalException(String message) {
			super(message);
		}

	}

	/** What one read of the WAL found: frames shipped, or why continuity is lost. */
	private record Step(@Nullable String lostReason, int frames, @Nullable Instant shippedThrough) {

		static final Step NOTHING = new Step(null, 0, null);

		static Step lost(String reason) {
			return new Step(reason, 0, null);
		}

		static Step shipped(int frames, Instant through) {
			return new Step(null, frames, through);
		}

	}

}
