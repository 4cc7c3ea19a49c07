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

	/** Why the next pass must start a new chain, or {@code null} when the current one continues. */
	private @Nullable String restartReason = "continuous backup started";

	WalCapture(EngineContext context, BackupRun backups, SqliteDatabase db) {
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
		Instant started = this.context.clock().instant();
		try {
			CaptureResult result = pass(operation);
			this.lastCaptureAt = started;
			this.lastFailure = null;
			return result;
		}
		catch (RuntimeException ex) {
			this.lastFailure = Messages.describe(ex);
			throw ex;
		}
	}

	/** When a pass last succeeded: everything committed before then is in the store. */
	@Nullable Instant lastCaptureAt() {
		return this.lastCaptureAt;
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
			if (this.chain == null || this.restartReason != null) {
				return startChain(operation, (this.restartReason != null) ? this.restartReason : "no chain yet",
						BackupTrigger.CONTINUOUS).result();
			}
			Chain chain = this.chain;
			Step step = captureNew(chain);
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
			int frames = step.frames() + Math.max(0, shippedForCheckpoint);
			return new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), shippedForCheckpoint >= 0);
		}
		catch (SQLException | IOException | RuntimeException ex) {
			this.restartReason = "the previous pass failed (" + Messages.describe(ex) + ")";
			release();
			if (ex instanceof SqliteBackupException known) {
				throw known;
			}
			throw new BackupFailedException(this.db.name(), null, "Continuous backup of database '" + this.db.name()
					+ "' failed: " + Messages.describe(ex) + "; the next pass starts a new chain", ex);
		}
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
		Instant started = this.context.clock().instant();
		try {
			Snapshot snapshot = extendWithSnapshot(operation, trigger);
			this.lastCaptureAt = started;
			this.lastFailure = null;
			return snapshot;
		}
		catch (RequestedBackupFailed ex) {
			throw ex.failure;
		}
		catch (SQLException | IOException | RuntimeException ex) {
			this.restartReason = "the previous pass failed (" + Messages.describe(ex) + ")";
			this.lastFailure = Messages.describe(ex);
			release();
			logger.warn("Backup of database '{}' could not become a snapshot of its continuous backup chain ({}); "
					+ "it is taken as a plain backup and the next pass starts a new chain", this.db.name(),
					Messages.describe(ex));
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
			Instant positionAt = pinned.at();
			if (step.lostReason() != null) {
				logger.warn("Continuous backup of database '{}' cannot prove that chain {} is complete: {}; "
						+ "starting a new chain from the backup asked for", this.db.name(), chain.id, step.lostReason());
				source.close();
				return startChain(operation, step.lostReason(), trigger);
			}
			renewHold();
			Backup backup = takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			Position position = chain.position;
			String noFrames = sha256(new byte[0]);
			Segment marker = new Segment(chain.id, chain.nextSequence, this.db.name(), backup.id(), positionAt,
					position.walSequence(), position.salt1(), position.salt2(), position.offset(), position.offset(),
					position.checksum(), position.checksum(), position.bigEndian(), 0, backup.pageSize(),
					backup.pageCount(), noFrames, chain.previousSha256, backup.sha256(), 0, "", "", null, null);
			int frames = before.frames() + step.frames();
			CaptureResult shipped = new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), false);
			try {
				publish(marker, new byte[0]);
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
	 * Starts a chain: under a write barrier, so that nothing commits meanwhile, reads where the WAL's
	 * committed frames end and opens the read transactions of the snapshot and of the hold; lifts
	 * the barrier; copies the snapshot; publishes segment 0, which ties the snapshot to that position.
	 */
	private Snapshot startChain(RunningOperation operation, String reason, BackupTrigger trigger)
			throws SQLException, IOException {
		release();
		this.chain = null;
		requireWal();
		SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
		try {
			Pinned<Position> pinned = whileWritersWait(() -> {
				Position end = endOfCommitted();
				this.hold = beginRead(SqliteConnections.openLive(this.file, this.context.options().busyTimeout()));
				return new Pinned<>(end, pin(source));
			});
			Position position = pinned.value();
			Instant positionAt = pinned.at();
			this.spare = SqliteConnections.openLive(this.file, this.context.options().busyTimeout());
			Backup base = (trigger == BackupTrigger.CONTINUOUS)
					? this.backups.run(this.db, BackupRequest.chainStart(source), operation)
					: takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			String chainId = BackupIds.next(positionAt);
			Segment anchor = new Segment(chainId, 0, this.db.name(), base.id(), positionAt, position.walSequence(),
					position.salt1(), position.salt2(), position.offset(), position.offset(), position.checksum(),
					position.checksum(), position.bigEndian(), 0, base.pageSize(), base.pageCount(), sha256(new byte[0]),
					base.sha256(), null, 0, "", "", null, null);
			publish(anchor, new byte[0]);
			this.chain = new Chain(chainId, base.id(), base.pageSize(), 1, position, sha256(new byte[0]));
			this.restartReason = null;
			logger.info("Continuous backup of database '{}' started chain {} from backup {} ({})", this.db.name(), chainId,
					base.id(), reason);
			return new Snapshot(base, new CaptureResult(this.db.name(), chainId, reason, 0, 0, false));
		}
		finally {
			source.close();
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
	 * Reads the frames committed since the chain's position and publishes them as the next segment.
	 * Accepts the WAL it finds only when it can prove nothing was skipped (see the class comment).
	 */
	private Step captureNew(Chain chain) throws IOException {
		Position from = chain.position;
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			WalFrames.Header header = WalFrames.readHeader(channel);
			if (header == null) {
				// Truncated by a checkpoint after everything was copied (see the class comment):
				// the next generation starts from its header, whatever its salts.
				return Step.NOTHING;
			}
			Position start;
			if (from.isEmptyWal() || header.salt1() != from.salt1() || header.salt2() != from.salt2()) {
				String unseen = committedAfter(channel, from, chain.pageSize);
				if (unseen != null) {
					return Step.lost(unseen);
				}
				start = Position.startOf(header);
			}
			else {
				if (channel.size() < from.offset()) {
					return Step.lost("its WAL is shorter than what was already captured");
				}
				start = from;
			}
			WalFrames.Committed committed = WalFrames.readCommitted(channel, header, start.offset(), start.checksum(),
					MAX_SEGMENT_BYTES);
			Instant capturedAt = this.context.clock().instant().truncatedTo(ChronoUnit.MILLIS);
			if (committed.frameCount() == 0) {
				chain.position = start;
				return Step.NOTHING;
			}
			String plainSha256 = sha256(committed.frames());
			Segment segment = new Segment(chain.id, chain.nextSequence, this.db.name(), chain.baseBackupId, capturedAt,
					header.sequence(), header.salt1(), header.salt2(), start.offset(), committed.endOffset(),
					start.checksum(), committed.checksumOut(), header.bigEndian(), committed.frameCount(),
					header.pageSize(), committed.pageCount(), plainSha256, chain.previousSha256, null, 0, "", "", null, null);
			publish(segment, committed.frames());
			chain.nextSequence++;
			chain.previousSha256 = plainSha256;
			chain.position = new Position(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
					committed.checksumOut(), header.bigEndian());
			return new Step(null, committed.frameCount());
		}
		catch (NoSuchFileException ex) {
			return from.isEmptyWal() ? Step.NOTHING : Step.lost("its WAL file was deleted since the last pass");
		}
	}

	/**
	 * Ships every frame committed after the chain's position, in as many segments as it takes; the
	 * caller holds the write barrier, so the end it reaches is the end of what was committed. The
	 * checkpoint and a snapshot rely on that: one pass alone stops after about
	 * {@link #MAX_SEGMENT_BYTES}.
	 */
	private Step drain(Chain chain) throws IOException {
		int frames = 0;
		while (true) {
			Step step = captureNew(chain);
			if (step.lostReason() != null) {
				return step;
			}
			if (step.frames() == 0) {
				return new Step(null, frames);
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
		WalFrames.Committed unseen = WalFrames.scanCommitted(channel, previous, from.offset(), from.checksum());
		return (unseen.frameCount() == 0) ? null
				: "the WAL restarted after " + unseen.frameCount() + " more frames of its previous generation were "
						+ "committed and checkpointed without being copied";
	}

	/** Writes the frames to staging, in the configured stored form, and publishes them with a signed manifest. */
	private void publish(Segment plain, byte[] frames) throws IOException {
		BackupStore store = this.context.store();
		StoredForm form = this.context.options().storedForm();
		try (StagingFile staging = store.newStagingFile(this.db.name(), plain.id())) {
			Files.write(staging.path(), frames, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			if (form.isPlain()) {
				store.publishSegment(staging.path(), stored(plain, form, frames.length, plain.plainSha256()));
			}
			else {
				try (StagingFile encoded = store.newStagingFile(this.db.name(), plain.id() + "-stored")) {
					StoredForm.Encoded result = form.encode(staging.path(), encoded.path(), this.db.name(), plain.id());
					store.publishSegment(encoded.path(), stored(plain, form, result.sizeBytes(), result.sha256()));
				}
			}
		}
		this.lastPublishedAt = plain.capturedAt();
	}

	private Segment stored(Segment plain, StoredForm form, long sizeBytes, String sha256) {
		Segment segment = new Segment(plain.chainId(), plain.sequence(), plain.database(), plain.baseBackupId(),
				plain.capturedAt(), plain.walSequence(), plain.salt1(), plain.salt2(), plain.startOffset(),
				plain.endOffset(), plain.checksumIn(), plain.checksumOut(), plain.bigEndianChecksum(),
				plain.frameCount(), plain.pageSize(), plain.pageCount(), plain.plainSha256(), plain.previousSha256(),
				plain.snapshotSha256(), sizeBytes, sha256, form.compression().codecName(), form.encryptionKeyId(), null);
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

	/** Where the committed frames of the WAL end right now; the caller holds the write barrier. */
	private Position endOfCommitted() throws IOException {
		try (FileChannel channel = FileChannel.open(this.wal, StandardOpenOption.READ)) {
			WalFrames.Header header = WalFrames.readHeader(channel);
			if (header == null) {
				return Position.EMPTY_WAL;
			}
			Position start = Position.startOf(header);
			WalFrames.Committed committed = WalFrames.scanCommitted(channel, header, start.offset(), start.checksum());
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
		release();
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

	/** What one read of the WAL found: frames shipped, or why continuity is lost. */
	private record Step(@Nullable String lostReason, int frames) {

		static final Step NOTHING = new Step(null, 0);

		static Step lost(String reason) {
			return new Step(reason, 0);
		}

	}

}
