package dev.sqlitebackup;

import java.io.IOException;
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

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.OperationLocks.RunningOperation;

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
 * What counts as committed is SQLite's word, not the bytes': a pass reads no further than the
 * frames SQLite's WAL index counts ({@link WalEnd}), because a writer killed in the middle of a
 * commit leaves valid-looking frames after them that the next writer overwrites; and each pass
 * checks first that the last frame it shipped is still in the file ({@link WalPosition}).
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

	/** How long the checkpoint's write barrier waits for the application's writers before it tries next time. */
	private static final Duration BARRIER_WAIT = Duration.ofMillis(200);

	private final EngineContext context;

	private final BackupRun backups;

	private final SqliteDatabase db;

	private final Path file;

	private final Path wal;

	/** The read transaction that keeps the WAL from restarting unseen. */
	private final ReadHold reads;

	private @Nullable Chain chain;

	/** When a pass last succeeded, read without holding the database. */
	private volatile @Nullable Instant lastCaptureAt;

	/** Why the last pass failed, {@code null} when it succeeded; read without holding the database. */
	private volatile @Nullable String lastFailure;

	/** The right to capture this database into the store, which another process may hold. */
	private final CaptureRight right;

	/** Who this capture last stood by for, so that the chain it starts on taking over says so. */
	private @Nullable String lastStandbyFor;

	/** What the next chain follows, and whether one may start. */
	private final ChainAncestry ancestry;

	/** The head record of the chain it extends. */
	private final ChainHeadKeeper heads;

	/** Publishes its segments. */
	private final SegmentPublisher publisher;

	/** Whether the store bills each request, so that a pass writes to it once at most. */
	private final boolean billed;

	/** Whether a segment recording a gap was published since {@link #takeWindowChanged} was last asked. */
	private volatile boolean windowChanged;

	/** The newest instant a segment was stamped with. */
	private @Nullable Instant lastStamp;

	/** Whether the first chain may be one an earlier process left ({@link ChainResumption}). */
	private boolean mayResume = true;

	/** When the commits the next segment ships may have been made from, after resuming a chain a dead process left. */
	private @Nullable Instant resumedAfter;

	/** WAL bytes committed and not yet shipped, as the last pass that read the WAL found them. */
	private volatile @Nullable Long backlogBytes;

	/** Why the next pass must start a new chain, or {@code null} when the current one continues. */
	private @Nullable String restartReason = "continuous backup started";

	WalCapture(EngineContext context, BackupRun backups, SqliteDatabase db, boolean newAtStart) {
		this.context = context;
		this.backups = backups;
		this.db = db;
		this.file = db.file()
			.orElseThrow(() -> new ContinuousBackupUnavailableException(db.name(), "Database '" + db.name()
					+ "' lives in memory, which continuous backup cannot cover (it reads the WAL file); turn it "
					+ "off for this database with sqlite.backup.databases." + db.name() + ".continuous.enabled=false"));
		this.wal = WalFrames.walOf(this.file);
		this.ancestry = new ChainAncestry(context, db.name(), newAtStart);
		this.heads = new ChainHeadKeeper(context, db.name());
		this.publisher = new SegmentPublisher(context, db.name());
		this.reads = new ReadHold(this.file, context.options().busyTimeout());
		this.right = new CaptureRight(context, db.name());
		this.billed = context.store().billsRequests(db.name());
		if (!context.store().keepsSegments(db.name())) {
			throw new ContinuousBackupUnavailableException(db.name(), "Continuous backup of database '" + db.name()
					+ "' needs a store that keeps segments, and " + context.store().describe() + " does not; turn it off for this database with sqlite.backup.databases."
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

	/**
	 * Bytes of WAL frames SQLite had committed that were not in the store when the last pass read
	 * the WAL: what waits for the store while it cannot take them. {@code null} before any pass.
	 */
	@Nullable Long backlogBytes() {
		return this.backlogBytes;
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
			if (this.chain == null && this.ancestry.historyToRestore() != null) {
				return CaptureResult.idle(this.db.name(), CaptureResult.Idle.AWAITING_RESTORE);
			}
			if (this.mayResume && this.chain == null && this.right.isExclusive()) {
				// A store that cannot be read now leaves the question for the next pass.
				String refusal = resume();
				this.mayResume = false;
				if (refusal != null) {
					String reason = ChainResumption.NO_CHAIN.equals(refusal) ? "continuous backup started"
							: "continuous backup started; " + refusal;
					logger.info("Continuous backup of database '{}' starts a new chain: {}", this.db.name(), refusal);
					return startChain(operation, reason, BackupTrigger.CONTINUOUS).result();
				}
			}
			if (this.chain == null || this.restartReason != null) {
				return startChain(operation, (this.restartReason != null) ? this.restartReason : "no chain yet",
						BackupTrigger.CONTINUOUS).result();
			}
			Chain chain = this.chain;
			if (this.heads.writeDue(chain.id, this.context.clock().instant())) {
				// The store bills each write: this pass spends its one on the head, and the frames wait a pass.
				try {
					this.heads.writeNow(chain.id, this.lastCaptureAt);
				}
				catch (IOException ex) {
					throw framesWait(ex);
				}
				return new CaptureResult(this.db.name(), chain.id, null, 0, 0, false);
			}
			// A billed store's pass ships once: when the WAL is due a checkpoint, under the barrier.
			Step checkpointed = (this.billed && checkpointDue(chain)) ? checkpoint(chain) : null;
			Step step;
			try {
				step = (checkpointed != null) ? checkpointed : captureNew(chain);
			}
			catch (SQLException | IOException | RuntimeException | Error ex) {
				throw framesWait(ex);
			}
			if (step.lostReason() != null) {
				logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
						+ "starting a new chain from a fresh snapshot", this.db.name(), chain.id, step.lostReason());
				return startChain(operation, step.lostReason(), BackupTrigger.CONTINUOUS).result();
			}
			// Only what the first pass after a resume ships can have waited for it.
			this.resumedAfter = null;
			this.reads.renew();
			int frames = step.frames();
			if (!this.billed && checkpointDue(chain)) {
				// A free store may ship twice in a pass: the frames committed since, under the barrier.
				Step drained = checkpoint(chain);
				if (drained != null && drained.lostReason() != null) {
					this.restartReason = drained.lostReason();
				}
				else if (drained != null) {
					checkpointed = drained;
					frames += drained.frames();
				}
			}
			shippedThrough(step.shippedThrough());
			if (this.lastCaptureAt != null) {
				this.heads.capturedUntil(chain.id, this.lastCaptureAt, false);
			}
			return new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), checkpointed != null);
		}
		catch (BackupFailedException ex) {
			if (this.restartReason == null && this.reads.isHeld()) {
				throw ex;
			}
			throw failedPass(ex);
		}
		catch (SQLException | IOException | RuntimeException | Error ex) {
			throw failedPass(ex);
		}
	}

	private static boolean checkpointDue(Chain chain) {
		return chain.position.framesBefore(chain.pageSize) >= CHECKPOINT_AFTER_FRAMES;
	}

	/**
	 * A pass that failed while the read transaction was still held and before the chain's position
	 * moved: the frames wait in the WAL, and the next pass ships them into the same chain.
	 */
	private BackupFailedException framesWait(Throwable ex) {
		return new BackupFailedException(this.db.name(), null, "Continuous backup of database '" + this.db.name()
				+ "' could not ship its new transactions: " + describe(ex)
				+ "; they stay in the WAL and the next pass tries again", ex);
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
		if (this.chain == null && this.ancestry.historyToRestore() != null) {
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
			this.reads.renew();
			Backup backup = takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			WalPosition position = chain.position;
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
		this.mayResume = false;
		this.restartReason = reason;
		release();
	}

	/**
	 * Goes on with the chain an earlier process left, when {@link ChainResumption} proves that the
	 * database holds its state: holds a read transaction first, so that the WAL cannot restart
	 * while it is checked.
	 * @return why the chain cannot go on, or {@code null} when it does
	 */
	private @Nullable String resume() throws SQLException, IOException {
		release();
		// Held before anything else opens the database: closing the only connection to it would
		// checkpoint the WAL into the file and delete it, and with it the proof that it goes on.
		this.reads.begin();
		requireWal();
		// First finish what a process that died in the middle of a publication left.
		this.context.store().cleanUp(this.db.name());
		ChainResumption.Outcome outcome = new ChainResumption(this.context, this.db.name()).check(this.file, this.wal);
		if (outcome.refusal() != null) {
			return outcome.refusal();
		}
		Segment newest = outcome.newest();
		ChainHead head = outcome.head();
		this.chain = new Chain(newest.chainId(), newest.baseBackupId(), newest.pageSize(), newest.sequence() + 1,
				outcome.position(), newest.plainSha256());
		this.restartReason = null;
		this.resumedAfter = outcome.gapFrom();
		this.lastStamp = head.aliveUntil().isAfter(newest.capturedAt()) ? head.aliveUntil() : newest.capturedAt();
		this.ancestry.published(newest.point());
		this.heads.resumed(head);
		logger.info("Continuous backup of database '{}' goes on with chain {} after segment {}: {}", this.db.name(),
				newest.chainId(), newest.sequence(), outcome.proof());
		return null;
	}

	/**
	 * Whether this capture has the right to capture the database into the store, taking it when
	 * nobody else has it. Another process (a second instance during a deploy, a one-off job) may
	 * hold it: this one then stands by, holding nothing of the database, and takes over, with a
	 * new chain that follows the store's newest point, once that process lets go.
	 */
	private boolean mayCapture() throws IOException {
		CaptureRight.Outcome outcome = this.right.take();
		if (outcome == CaptureRight.Outcome.TAKEN_OVER) {
			this.restartReason = "took over from " + this.lastStandbyFor;
		}
		if (outcome != CaptureRight.Outcome.STANDBY) {
			return true;
		}
		this.lastStandbyFor = this.right.standbyFor();
		if (this.chain != null) {
			this.chain = null;
			this.restartReason = "stood by for " + this.lastStandbyFor;
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
		return this.right.standbyFor();
	}

	/**
	 * Tells the capture what a restore brought the database to, so that the next chain names it
	 * as its parent: a point of a chain, or {@code null} when the state follows none (a backup).
	 * Ends the wait for a restore.
	 */
	void restoredTo(@Nullable ChainPoint point) {
		this.ancestry.restoredTo(point);
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

	/** Why no chain starts while the capture waits for a restore, and what to do; {@code null} when it does not wait. */
	@Nullable String awaitingReason() {
		return this.ancestry.awaitingReason();
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
		ChainPoint parent = this.ancestry.parentOfNextChain();
		if (parent != null && (this.lastStamp == null || this.lastStamp.isBefore(parent.capturedAt()))) {
			// A chain that follows another never looks older than it, whatever this machine's clock says.
			this.lastStamp = parent.capturedAt();
		}
		SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
		try {
			Pinned<WalPosition> pinned;
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
			WalPosition position = pinned.value();
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
			this.heads.starting(anchor, positionAt);
			publishWithoutFrames(anchor);
			this.heads.anchored();
			this.chain = new Chain(chainId, base.id(), base.pageSize(), 1, position, sha256(new byte[0]));
			this.restartReason = null;
			this.ancestry.chainStarted();
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
	private Pinned<WalPosition> pinChainStart(SQLiteConnection source) throws SQLException, IOException {
		return whileWritersWait(() -> {
			WalPosition end = endOfCommitted();
			this.reads.begin();
			return new Pinned<>(end, pin(source));
		});
	}

	/** Checkpoints every frame and truncates the WAL, so that the next frames start a generation of their own. */
	private void truncateWal() throws SQLException {
		try (Statement statement = this.reads.spare().createStatement();
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
		WalPosition from = chain.position;
		WalEnd end = WalEnd.read(this.reads.spare(), this.wal, this.context.clock());
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
			WalPosition start;
			if (from.isEmptyWal() || header.salt1() != from.salt1() || header.salt2() != from.salt2()) {
				String unseen = from.committedAfterIn(channel, chain.pageSize);
				if (unseen != null) {
					return Step.lost(unseen);
				}
				start = WalPosition.startOf(header);
			}
			else {
				String rewritten = from.rewrittenIn(channel, chain.pageSize);
				if (rewritten != null) {
					return Step.lost(rewritten);
				}
				start = from;
			}
			long limit = end.endOffset();
			this.backlogBytes = Math.max(0, limit - start.offset());
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
				this.backlogBytes = Math.max(0, limit - committed.endOffset());
				chain.nextSequence++;
				chain.previousSha256 = plain.plainSha256();
				chain.position = new WalPosition(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
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
		Instant resumed = this.resumedAfter;
		if (resumed != null) {
			this.resumedAfter = null;
			if (resumed.isBefore(capturedAt)) {
				return new Gap(resumed.truncatedTo(ChronoUnit.MILLIS), capturedAt, "commits made while no capture "
						+ "ran (the process that captured the chain stopped, or died before shipping them) were shipped "
						+ "only when capture resumed");
			}
		}
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


	/** Publishes frames staged in a file, and records what that changes. */
	private void publish(Segment plain, Path frames) throws IOException {
		this.publisher.publish(plain, frames);
		published(plain);
	}

	/** Publishes a segment without frames: the anchor of a chain, or a later snapshot. */
	private void publishWithoutFrames(Segment plain) throws IOException {
		this.publisher.publishWithoutFrames(plain);
		published(plain);
	}

	private void published(Segment plain) {
		this.ancestry.published(plain.point());
		if (plain.gapBefore() != null) {
			this.windowChanged = true;
		}
		this.heads.published(plain);
	}

	/** Why the store looks changed behind this capture's back, or {@code null}. */
	@Nullable String storeTampered() {
		return this.heads.storeTampered();
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

	/**
	 * Checkpoints the WAL so that it does not grow without bound. Under the write barrier nothing
	 * commits, so after the last copy there is nothing the checkpoint could move into the database
	 * file unseen. A barrier that cannot be had soon (a long write transaction) is tried next time.
	 * @return what was shipped under the barrier (naming why the chain cannot go on, when it cannot,
	 * and then without checkpointing), or {@code null} when it did not checkpoint
	 */
	private @Nullable Step checkpoint(Chain chain) throws SQLException, IOException {
		WriteBarrier taken;
		try {
			taken = WriteBarrier.take(this.file, BARRIER_WAIT);
		}
		catch (SQLException ex) {
			logger.debug("Continuous backup of database '{}' postpones its checkpoint: {}", this.db.name(),
					ex.getMessage());
			return null;
		}
		try (taken) {
			Step step;
			try {
				step = drain(chain);
			}
			catch (SQLException | IOException | RuntimeException ex) {
				throw framesWait(ex);
			}
			if (step.lostReason() == null) {
				this.reads.checkpointUnderBarrier(this.db.name());
			}
			return step;
		}
	}

	/** Runs work while nothing can commit: under a write barrier of its own, rolled back afterwards. */
	private <T> T whileWritersWait(WriteBarrier.Work<T> work) throws SQLException, IOException {
		return WriteBarrier.whileWritersWait(this.file, this.context.options().busyTimeout(), work);
	}

	/** Begins the read transaction a snapshot is copied through; returns when, to the millisecond. */
	private Instant pin(SQLiteConnection source) throws SQLException {
		source.setAutoCommit(false);
		SqliteConnections.number(source, "SELECT count(*) FROM sqlite_schema");
		return this.context.clock().instant().truncatedTo(ChronoUnit.MILLIS);
	}

	/** What was read under the write barrier, and when the snapshot's read transaction began. */
	private record Pinned<T>(T value, Instant at) {
	}

	/**
	 * Where SQLite's committed frames of the WAL end right now; the caller holds the write barrier,
	 * so nothing commits meanwhile.
	 */
	private WalPosition endOfCommitted() throws SQLException, IOException {
		WalEnd end = WalEnd.read(this.reads.spare(), this.wal, this.context.clock());
		WalFrames.Header header = end.header();
		if (header == null) {
			return WalPosition.EMPTY_WAL;
		}
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			WalPosition start = WalPosition.startOf(header);
			WalFrames.Committed committed = WalFrames.scanCommitted(channel, header, start.offset(), start.checksum(),
					end.endOffset());
			if (committed.endOffset() != Math.max(start.offset(), end.endOffset())) {
				throw new UnreadableWalException("the WAL frames SQLite counts as committed up to offset " + end.endOffset()
						+ " do not read back as valid frames after offset " + committed.endOffset());
			}
			return (committed.frameCount() == 0) ? start
					: new WalPosition(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
							committed.checksumOut(), header.bigEndian());
		}
		catch (NoSuchFileException ex) {
			return WalPosition.EMPTY_WAL;
		}
	}

	/** Lets go of the read transactions; the chain cannot go on without them. */
	private void release() {
		this.reads.close();
		if (this.restartReason == null) {
			this.restartReason = "continuous backup was stopped";
		}
	}

	/**
	 * Lets go. A chain that goes on is closed cleanly when it can be: under a write barrier, what
	 * was committed is shipped and checkpointed into the database file, and the head records the
	 * file's identity, so that the next start on the same file continues the chain.
	 */
	@Override
	public void close() {
		Chain chain = this.chain;
		if (chain != null && this.lastCaptureAt != null && this.restartReason == null) {
			String identity = closeCleanly(chain);
			Instant until = this.lastCaptureAt;
			if (identity != null) {
				this.heads.closed(chain.id, until, identity);
			}
			else {
				this.heads.capturedUntil(chain.id, until, true);
			}
		}
		release();
		this.right.close();
	}

	/** The database file's identity once everything is shipped and checkpointed, {@code null} when that cannot be had. */
	private @Nullable String closeCleanly(Chain chain) {
		try (WriteBarrier taken = WriteBarrier.take(this.file, BARRIER_WAIT)) {
			Step step = drain(chain);
			if (step.lostReason() != null || !this.reads.checkpointUnderBarrier(this.db.name())) {
				return null;
			}
			shippedThrough(step.shippedThrough());
			return DatabaseFileIdentity.of(this.file);
		}
		catch (SQLException | IOException | RuntimeException ex) {
			logger.debug("Continuous backup of database '{}' could not close chain {} cleanly: {}", this.db.name(),
					chain.id, Messages.describe(ex));
			return null;
		}
	}

	static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(BackupFileCheck.newSha256().digest(bytes));
	}


	/** The chain being extended. */
	private static final class Chain {

		final String id;

		String baseBackupId;

		final int pageSize;

		long nextSequence;

		WalPosition position;

		String previousSha256;

		Chain(String id, String baseBackupId, int pageSize, long nextSequence, WalPosition position,
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
