package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.ContinuousBackupUnavailableException;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.backup.BackupRequest;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.continuous.FrameShipper.Step;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.ReadHold;
import dev.sqlitebackup.engine.SqliteConnections;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * The snapshots of a capture's chains, each pinned to the WAL position it reflects: the one a chain
 * starts from (segment 0, the anchor) and the later ones a backup asked for while the chain goes
 * on (a snapshot segment). Each is pinned under a write barrier, so that nothing commits between
 * reading the position and opening the snapshot's read transaction; the copy itself runs after
 * the barrier is lifted.
 */
final class ChainSnapshots {

	private static final Logger logger = LoggerFactory.getLogger(ChainSnapshots.class);

	private static final String NO_FRAMES = HexFormat.of().formatHex(BackupFileCheck.newSha256().digest(new byte[0]));

	private final EngineContext context;

	private final BackupRun backups;

	private final SqliteDatabase db;

	private final Path file;

	private final ReadHold reads;

	private final ChainAncestry ancestry;

	private final ChainHeadKeeper heads;

	private final CaptureTimeline timeline;

	private final FrameShipper shipper;

	private final Frameless publication;

	/** Whether the store was just cleaned up, so that a chain started now need not again. */
	private boolean storeCleaned;

	ChainSnapshots(EngineContext context, BackupRun backups, SqliteDatabase db, Path file, ReadHold reads,
			ChainAncestry ancestry, ChainHeadKeeper heads, CaptureTimeline timeline, FrameShipper shipper,
			Frameless publication) {
		this.context = context;
		this.backups = backups;
		this.db = db;
		this.file = file;
		this.reads = reads;
		this.ancestry = ancestry;
		this.heads = heads;
		this.timeline = timeline;
		this.shipper = shipper;
		this.publication = publication;
	}

	/**
	 * Starts a chain: under a write barrier, reads where the WAL's committed frames end and opens
	 * the read transactions of the snapshot and of the hold; lifts the barrier; copies the snapshot;
	 * publishes segment 0, which ties the snapshot to that position. The caller let go of its read
	 * transactions first.
	 */
	Started start(RunningOperation operation, String reason, BackupTrigger trigger) throws SQLException, IOException {
		requireWal();
		// First finish what a process that died in the middle of a publication left, so that the
		// chain before this one ends where it really does; unless a resumption just did.
		if (!this.storeCleaned) {
			try {
				this.context.store().cleanUp(this.db.name());
			}
			catch (IOException ex) {
				logger.warn("Continuous backup of database '{}' could not clean up the store before a new chain: {}",
						this.db.name(), Messages.describe(ex));
			}
		}
		this.storeCleaned = false;
		ChainPoint parent = this.ancestry.parentOfNextChain();
		if (parent != null) {
			// A chain that follows another never looks older than it, whatever this machine's clock says.
			this.timeline.notBefore(parent.capturedAt());
		}
		try (SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout())) {
			Pinned<WalPosition> pinned;
			try {
				pinned = pinChainStart(source);
			}
			catch (FrameShipper.UnreadableWalException ex) {
				logger.warn("Continuous backup of database '{}' cannot read its WAL as SQLite counts it ({}); checkpointing "
						+ "it (TRUNCATE) so that the new chain starts on a WAL written from its start", this.db.name(),
						ex.getMessage());
				truncateWal();
				pinned = pinChainStart(source);
			}
			WalPosition position = pinned.value();
			Instant positionAt = this.timeline.stamp(pinned.at());
			Backup base = (trigger == BackupTrigger.CONTINUOUS)
					? this.backups.run(this.db, BackupRequest.chainStart(source), operation)
					: takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			String chainId = BackupIds.next(positionAt);
			Segment anchor = new Segment(chainId, 0, this.db.name(), base.id(), positionAt, position.walSequence(),
					position.salt1(), position.salt2(), position.offset(), position.offset(), position.checksum(),
					position.checksum(), position.bigEndian(), 0, base.pageSize(), base.pageCount(), NO_FRAMES,
					base.sha256(), null, 0, "", "", null, null, parent, reason, null);
			// The head first: from the moment its anchor exists, the store's index must know the chain.
			this.heads.starting(anchor, positionAt);
			this.publication.publish(anchor);
			this.heads.anchored();
			this.ancestry.chainStarted();
			this.timeline.shippedThrough(pinned.at());
			logger.info("Continuous backup of database '{}' started chain {} from backup {} ({})", this.db.name(), chainId,
					base.id(), reason);
			return new Started(new ChainCursor(chainId, base.id(), base.pageSize(), 1, position, NO_FRAMES),
					new WalCapture.Snapshot(base, new CaptureResult(this.db.name(), chainId, reason, 0, 0, false)));
		}
	}

	/**
	 * Takes a backup asked for as the chain's next snapshot: ships most frames first, so that the
	 * barrier is short; under the barrier ships the rest and opens the backup's read transaction at
	 * that position; lifts it; copies the backup; publishes a snapshot segment naming it.
	 */
	Extended extend(RunningOperation operation, ChainCursor chain, BackupTrigger trigger)
			throws SQLException, IOException {
		Step before = this.shipper.shipNew(chain);
		if (before.lostReason() != null) {
			return Extended.lost(before.lostReason());
		}
		try (SQLiteConnection source = SqliteConnections.openLive(this.file, this.context.options().busyTimeout())) {
			Pinned<Step> pinned = whileWritersWait(() -> {
				Step drained = this.shipper.drain(chain);
				return new Pinned<>(drained, pin(source));
			});
			Step step = pinned.value();
			Instant positionAt = this.timeline.stamp(pinned.at());
			if (step.lostReason() != null) {
				return Extended.lost(step.lostReason());
			}
			this.timeline.shippedThrough(step.shippedThrough());
			this.reads.renew();
			Backup backup = takeBackup(operation, BackupRequest.chainSnapshot(trigger, source));
			WalPosition position = chain.position;
			Segment marker = new Segment(chain.id, chain.nextSequence, this.db.name(), backup.id(), positionAt,
					position.walSequence(), position.salt1(), position.salt2(), position.offset(), position.offset(),
					position.checksum(), position.checksum(), position.bigEndian(), 0, backup.pageSize(),
					backup.pageCount(), NO_FRAMES, chain.previousSha256, backup.sha256(), 0, "", "", null, null, null,
					null, null);
			int frames = before.frames() + step.frames();
			CaptureResult shipped = new CaptureResult(this.db.name(), chain.id, null, frames,
					(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), false);
			try {
				this.publication.publish(marker);
			}
			catch (IOException | RuntimeException ex) {
				// The backup is published and sound; only the chain cannot name it.
				logger.warn("Backup {} of database '{}' could not be recorded as a snapshot of chain {} ({}); the next "
						+ "pass starts a new chain", backup.id(), this.db.name(), chain.id, Messages.describe(ex));
				return new Extended(new WalCapture.Snapshot(backup, shipped), null,
						"the snapshot segment of backup " + backup.id() + " could not be published");
			}
			chain.nextSequence++;
			chain.previousSha256 = NO_FRAMES;
			chain.baseBackupId = backup.id();
			logger.info("Continuous backup of database '{}' took backup {} as snapshot {} of chain {}", this.db.name(),
					backup.id(), marker.sequence(), chain.id);
			return new Extended(new WalCapture.Snapshot(backup, shipped), null, null);
		}
	}

	/**
	 * Finishes what a process that died in the middle of a publication left in the store, so that
	 * the chain it was extending ends where it really does; the next {@link #start} need not again.
	 */
	void cleanUpStore() throws IOException {
		this.context.store().cleanUp(this.db.name());
		this.storeCleaned = true;
	}

	/** Fails unless the database is in WAL mode, the only one continuous backup covers. */
	void requireWal() throws SQLException {
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

	/** Runs a backup asked for; its own failure is told apart from a failure to tie it to the chain. */
	private Backup takeBackup(RunningOperation operation, BackupRequest request) {
		try {
			return this.backups.run(this.db, request, operation);
		}
		catch (SqliteBackupException ex) {
			throw new RequestedBackupFailed(ex);
		}
	}

	/** Under a write barrier, reads where the WAL's committed frames end and opens the snapshot's and the hold's read transactions. */
	private Pinned<WalPosition> pinChainStart(SQLiteConnection source) throws SQLException, IOException {
		return whileWritersWait(() -> {
			WalPosition end = this.shipper.endOfCommitted();
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

	/** Publishes a segment without frames: the anchor of a chain, or a later snapshot. */
	@FunctionalInterface
	interface Frameless {

		void publish(Segment plain) throws IOException;

	}

	/**
	 * A chain that started.
	 *
	 * @param cursor where the capture stands in it
	 * @param snapshot its first snapshot
	 */
	record Started(ChainCursor cursor, WalCapture.Snapshot snapshot) {
	}

	/**
	 * What extending a chain with a snapshot did.
	 *
	 * @param snapshot the backup taken, {@code null} when continuity was lost before it
	 * @param lostReason why the chain cannot go on (a new one starts from the backup asked for)
	 * @param restartReason why the next pass starts a new chain although the backup was taken
	 */
	record Extended(WalCapture.@Nullable Snapshot snapshot, @Nullable String lostReason,
			@Nullable String restartReason) {

		static Extended lost(String reason) {
			return new Extended(null, reason, null);
		}

	}

	/** A backup asked for failed as a plain one would have: its failure is the caller's answer. */
	static final class RequestedBackupFailed extends RuntimeException {

		private static final long serialVersionUID = 1L;

		final SqliteBackupException failure;

		RequestedBackupFailed(SqliteBackupException failure) {
			super(failure.getMessage(), failure, false, false);
			this.failure = failure;
		}

	}

}
