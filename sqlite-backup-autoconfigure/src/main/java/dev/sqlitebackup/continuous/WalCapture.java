package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.ContinuousBackupUnavailableException;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.ReadHold;
import dev.sqlitebackup.pointintime.ChainHistory;

/**
 * Continuous capture of one WAL-mode file database: each {@link #sync} ships the transactions
 * committed since the last one as a segment, read from the {@code -wal} file. It keeps the chain
 * it extends ({@link ChainCursor}) and decides, pass by pass, what happens to it: go on with the
 * chain an earlier process left ({@link ChainResumption}), start one from a fresh snapshot
 * ({@link ChainSnapshots}), extend it ({@link ChainPass}: the chain's head or a compaction block
 * when due, else what was committed, through {@link FrameShipper}, whose class comment argues why
 * no frame is lost unseen), stand by while another process holds the capture
 * ({@link CaptureRight}). When continuity cannot be shown (a WAL shorter than what was copied, a
 * read transaction lost with a failed pass, a restart without proof), the pass starts a new chain
 * from a fresh snapshot and logs why.
 * <p>
 * A backup asked for while the chain is extended ({@link #snapshot}) is pinned the same way as a
 * chain's first snapshot, under a write barrier at the position up to which everything was shipped,
 * and becomes a later snapshot of the chain.
 */
final class WalCapture implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(WalCapture.class);

	private final EngineContext context;

	private final SqliteDatabase db;

	private final Path file;

	/** The read transaction that keeps the WAL from restarting unseen. */
	private final ReadHold reads;

	private @Nullable ChainCursor chain;

	/** Instants stamped and shipped through, the last failure, and the gaps they make. */
	private final CaptureTimeline timeline;

	/** Ships the frames committed after the chain's position. */
	private final FrameShipper shipper;

	/** Takes the snapshots chains start from or go on with. */
	private final ChainSnapshots snapshots;

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

	/** Runs the passes over a chain that goes on. */
	private final ChainPass passes;

	/** Merges the chain's segments into blocks and thins out what they cover. */
	private final SegmentCompactor compactor;

	/** Whether a segment recording a gap was published since {@link #takeWindowChanged} was last asked. */
	private volatile boolean windowChanged;

	/** Whether the first chain may be one an earlier process left ({@link ChainResumption}). */
	private boolean mayResume = true;

	/** Why the next pass must start a new chain, or {@code null} when the current one continues. */
	private @Nullable String restartReason = "continuous backup started";

	WalCapture(EngineContext context, BackupRun backups, SqliteDatabase db, boolean newAtStart,
			@Nullable CaptureLease lease) {
		this.context = context;
		this.db = db;
		this.file = db.file()
			.orElseThrow(() -> new ContinuousBackupUnavailableException(db.name(), "Database '" + db.name()
					+ "' lives in memory, which continuous backup cannot cover (it reads the WAL file); turn it "
					+ "off for this database with sqlite.backup.databases." + db.name() + ".continuous.enabled=false"));
		this.ancestry = new ChainAncestry(context, db.name(), newAtStart);
		this.heads = new ChainHeadKeeper(context, db.name());
		this.right = new CaptureRight(context, db.name(), lease);
		CaptureRight right = this.right;
		this.publisher = new SegmentPublisher(context, db.name(), right::epoch);
		this.compactor = new SegmentCompactor(context, db.name(), this.heads, this.publisher);
		this.reads = new ReadHold(this.file, context.options().busyTimeout());
		this.timeline = new CaptureTimeline(context.options());
		this.shipper = new FrameShipper(context, db.name(), this.file, this.reads, this.timeline, this::publish);
		this.passes = new ChainPass(db.name(), this.reads, this.timeline, this.shipper, this.heads, this.compactor,
				context.store().billsRequests(db.name()));
		this.snapshots = new ChainSnapshots(context, backups, db, this.file, this.reads, this.ancestry, this.heads,
				this.timeline, this.shipper, this::publishWithoutFrames);
		if (!context.store().keepsSegments(db.name())) {
			throw new ContinuousBackupUnavailableException(db.name(), "Continuous backup of database '" + db.name()
					+ "' needs a store that keeps segments, and " + context.store().describe() + " does not; turn it "
					+ "off for this database with sqlite.backup.databases." + db.name() + ".continuous.enabled=false");
		}
	}

	/** Ships what was committed since the last pass; starts a new chain when it must. */
	CaptureResult sync(RunningOperation operation) {
		try {
			CaptureResult result = pass(operation);
			this.timeline.failed(null);
			return result;
		}
		catch (RuntimeException ex) {
			this.timeline.failed(Messages.describe(ex));
			throw ex;
		}
	}

	/**
	 * Up to when everything SQLite committed is in the store: the instant of the last pass that
	 * found nothing left to ship, so that the age of the oldest commit not yet shipped is at most
	 * the time since. A pass that runs but cannot ship what SQLite committed does not move it.
	 */
	@Nullable Instant lastCaptureAt() {
		return this.timeline.lastCaptureAt();
	}

	/**
	 * Bytes of WAL frames SQLite had committed that were not in the store when the last pass read
	 * the WAL: what waits for the store while it cannot take them. {@code null} before any pass.
	 */
	@Nullable Long backlogBytes() {
		return this.shipper.backlogBytes();
	}

	/** Waits until the compaction block being built, if any, is built; {@code false} when not within {@code timeout}. */
	boolean awaitCompaction(Duration timeout) throws InterruptedException {
		return this.compactor.awaitBuilt(timeout);
	}

	/** Why the last pass failed, or {@code null}. */
	@Nullable String lastFailure() {
		return this.timeline.lastFailure();
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
			return extend(operation, this.chain);
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

	/** One pass over a chain that goes on ({@link ChainPass}); a new chain when it cannot be proven complete. */
	private CaptureResult extend(RunningOperation operation, ChainCursor chain) throws SQLException, IOException {
		ChainPass.Outcome outcome = this.passes.run(chain, this.context.clock().instant());
		if (outcome.lostReason() != null) {
			logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
					+ "starting a new chain from a fresh snapshot", this.db.name(), chain.id, outcome.lostReason());
			return startChain(operation, outcome.lostReason(), BackupTrigger.CONTINUOUS).result();
		}
		if (outcome.restartReason() != null) {
			this.restartReason = outcome.restartReason();
		}
		return Objects.requireNonNull(outcome.result());
	}

	/** A pass that failed where the read transaction or the chain's state may be lost: the next one starts a new chain. */
	private SqliteBackupException failedPass(Throwable ex) {
		this.restartReason = "the previous pass failed (" + FrameShipper.describe(ex) + ")";
		release();
		if (ex instanceof SqliteBackupException known) {
			return known;
		}
		return new BackupFailedException(this.db.name(), null, "Continuous backup of database '" + this.db.name()
				+ "' failed: " + FrameShipper.describe(ex) + "; the next pass starts a new chain", ex);
	}

	/**
	 * Takes a backup asked for while the database is captured, as the chain's next snapshot
	 * ({@link ChainSnapshots#extend}). When there is no chain to extend, or its continuity cannot be
	 * shown, a new chain starts from the backup.
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
			this.timeline.failed(null);
			return snapshot;
		}
		catch (ChainSnapshots.RequestedBackupFailed ex) {
			throw ex.failure;
		}
		catch (SQLException | IOException | RuntimeException | Error ex) {
			this.restartReason = "the previous pass failed (" + FrameShipper.describe(ex) + ")";
			this.timeline.failed(FrameShipper.describe(ex));
			release();
			logger.warn("Backup of database '{}' could not become a snapshot of its continuous backup chain ({}); "
					+ "it is taken as a plain backup and the next pass starts a new chain", this.db.name(),
					FrameShipper.describe(ex));
			return null;
		}
	}

	private Snapshot extendWithSnapshot(RunningOperation operation, BackupTrigger trigger)
			throws SQLException, IOException {
		ChainCursor chain = this.chain;
		if (chain == null || this.restartReason != null) {
			return startChain(operation, (this.restartReason != null) ? this.restartReason : "no chain yet", trigger);
		}
		ChainSnapshots.Extended extended = this.snapshots.extend(operation, chain, trigger);
		if (extended.lostReason() != null) {
			logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
					+ "starting a new chain from the backup asked for", this.db.name(), chain.id, extended.lostReason());
			return startChain(operation, extended.lostReason(), trigger);
		}
		if (extended.restartReason() != null) {
			restartChain(extended.restartReason());
		}
		return extended.snapshot();
	}

	/** Makes the next pass start a new chain, and lets go of the database now (a restore replaces it). */
	void restartChain(String reason) {
		this.mayResume = false;
		this.restartReason = reason;
		release();
	}

	/**
	 * Goes on with the chain an earlier process left, when {@link ChainResumption} proves that the
	 * database holds its state.
	 * @return why the chain cannot go on, or {@code null} when it does
	 */
	private @Nullable String resume() throws SQLException, IOException {
		release();
		ChainResumption.Outcome outcome = new ChainResumption(this.context, this.db.name())
			.open(this.reads, this.snapshots, this.file);
		if (outcome.refusal() != null) {
			return outcome.refusal();
		}
		this.chain = outcome.cursor();
		this.restartReason = null;
		outcome.applyTo(this.timeline, this.ancestry, this.heads);
		logger.info("Continuous backup of database '{}' goes on with chain {} after segment {}: {}", this.db.name(),
				outcome.newest().chainId(), outcome.newest().sequence(), outcome.proof());
		return null;
	}

	/**
	 * Whether this capture has the right to capture the database into the store, taking it when
	 * nobody else has it. Another process (a second instance during a deploy, a one-off job) may
	 * hold it: this one then stands by, holding nothing of the database, and takes over once that
	 * process lets go: with its chain, when that process closed it cleanly on this file, else with
	 * a new chain that follows the store's newest point.
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
		// What another process holds, this one no longer writes to, blocks included.
		this.compactor.close();
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
		ChainCursor chain = this.chain;
		Instant until = this.timeline.lastCaptureAt();
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

	/** Starts a chain from a fresh snapshot ({@link ChainSnapshots#start}), letting go of the one before. */
	private Snapshot startChain(RunningOperation operation, String reason, BackupTrigger trigger)
			throws SQLException, IOException {
		release();
		this.chain = null;
		ChainSnapshots.Started started = this.snapshots.start(operation, reason, trigger);
		this.chain = started.cursor();
		this.restartReason = null;
		return started.snapshot();
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
		this.compactor.close();
		ChainCursor chain = this.chain;
		if (chain != null && this.timeline.lastCaptureAt() != null && this.restartReason == null) {
			String identity = this.shipper.closeCleanly(chain);
			Instant until = this.timeline.lastCaptureAt();
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

	/**
	 * A backup taken as a snapshot of a chain, and what shipping the frames before it did.
	 *
	 * @param backup the backup, which a restore can start the chain from
	 * @param result the frames shipped up to the backup's position, or the start of a new chain
	 */
	record Snapshot(Backup backup, CaptureResult result) {
	}

}
