package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.DatabaseFileIdentity;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.ReadHold;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * Ships the frames SQLite committed after a chain's position as its next segments, streamed from
 * the {@code -wal} file into staging through a bounded buffer, whatever the size of a transaction;
 * and checkpoints the WAL, or closes the chain, under a write barrier once everything is shipped.
 * Reads no further than SQLite's own committed end ({@link WalEnd}): frames past it were not
 * committed, whatever their checksums say. Accepts the WAL it finds only when it can prove that
 * nothing was skipped or rewritten.
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
 * The capture checkpoints the WAL itself once it grows past
 * {@link ChainCursor#CHECKPOINT_AFTER_FRAMES} frames ({@link FrameShipper#checkpoint}):
 * under a write barrier (its own {@code BEGIN IMMEDIATE}, so that nothing commits in between) it
 * copies the last frames, lets go of its read transaction, runs a PASSIVE checkpoint, takes a new
 * read transaction and only then lifts the barrier.
 */
final class FrameShipper {

	private static final Logger logger = LoggerFactory.getLogger(FrameShipper.class);

	/** A pass ships at most about this much; the rest follows in the next pass. */
	private static final long MAX_SEGMENT_BYTES = 64L << 20;

	/** How long a checkpoint's write barrier waits for the application's writers before it tries next time. */
	static final Duration BARRIER_WAIT = Duration.ofMillis(200);

	private final EngineContext context;

	private final String database;

	private final Path file;

	private final Path wal;

	private final ReadHold reads;

	private final CaptureTimeline timeline;

	private final Publication publication;

	/** WAL bytes committed and not yet shipped, as the last read of the WAL found them. */
	private volatile @Nullable Long backlogBytes;

	FrameShipper(EngineContext context, String database, Path file, ReadHold reads, CaptureTimeline timeline,
			Publication publication) {
		this.context = context;
		this.database = database;
		this.file = file;
		this.wal = WalFrames.walOf(file);
		this.reads = reads;
		this.timeline = timeline;
		this.publication = publication;
	}

	/** Bytes of WAL frames committed and not in the store when the WAL was last read, {@code null} before. */
	@Nullable Long backlogBytes() {
		return this.backlogBytes;
	}

	/** Ships the frames committed since the chain's position as its next segment, up to about 64 MiB. */
	Step shipNew(ChainCursor chain) throws SQLException, IOException {
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
			return ship(chain, channel, header, start, end);
		}
		catch (NoSuchFileException ex) {
			return from.isEmptyWal() ? Step.NOTHING : Step.lost("its WAL file was deleted since the last pass");
		}
	}

	private Step ship(ChainCursor chain, FileChannel channel, WalFrames.Header header, WalPosition start, WalEnd end)
			throws SQLException, IOException {
		long limit = end.endOffset();
		try (StagingFile staging = this.context.store()
			.newStagingFile(this.database, Segment.idOf(chain.id, chain.nextSequence))) {
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
			Instant capturedAt = this.timeline.stamp(this.context.clock().instant());
			Segment plain = new Segment(chain.id, chain.nextSequence, this.database, chain.baseBackupId, capturedAt,
					header.sequence(), header.salt1(), header.salt2(), start.offset(), committed.endOffset(),
					start.checksum(), committed.checksumOut(), header.bigEndian(), committed.frameCount(),
					header.pageSize(), committed.pageCount(), committed.sha256(), chain.previousSha256, null, 0, "", "",
					null, null, null, null, this.timeline.gapBefore(end.at(), capturedAt));
			this.publication.publish(plain, staging.path());
			this.backlogBytes = Math.max(0, limit - committed.endOffset());
			chain.nextSequence++;
			chain.previousSha256 = plain.plainSha256();
			chain.position = new WalPosition(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
					committed.checksumOut(), header.bigEndian());
			return new Step(null, committed.frameCount(), (committed.endOffset() == limit) ? end.at() : null);
		}
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
	 * checkpoint and a snapshot rely on that: one pass alone stops after about 64 MiB.
	 */
	Step drain(ChainCursor chain) throws SQLException, IOException {
		int frames = 0;
		while (true) {
			Step step = shipNew(chain);
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
	 * Checkpoints the WAL so that it does not grow without bound. Under the write barrier nothing
	 * commits, so after the last copy there is nothing the checkpoint could move into the database
	 * file unseen. A barrier that cannot be had soon (a long write transaction) is tried next time.
	 * @return what was shipped under the barrier (naming why the chain cannot go on, when it cannot,
	 * and then without checkpointing), or {@code null} when it did not checkpoint
	 * @throws BackupFailedException when what was committed could not be shipped: it waits in the WAL
	 */
	@Nullable Step checkpoint(ChainCursor chain) throws SQLException, IOException {
		// After a long snapshot the WAL holds many shipped frames; copying them under the barrier stalled writers.
		this.reads.checkpointAhead(this.database);
		WriteBarrier taken;
		try {
			taken = WriteBarrier.take(this.file, BARRIER_WAIT);
		}
		catch (SQLException ex) {
			logger.debug("Continuous backup of database '{}' postpones its checkpoint: {}", this.database,
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
				this.reads.checkpointUnderBarrier(this.database);
			}
			return step;
		}
	}

	/**
	 * Ships and checkpoints everything under a write barrier, for a chain that closes cleanly.
	 * @return the database file's identity then, {@code null} when that cannot be had
	 */
	@Nullable String closeCleanly(ChainCursor chain) {
		this.reads.checkpointAhead(this.database);
		try (WriteBarrier taken = WriteBarrier.take(this.file, BARRIER_WAIT)) {
			Step step = drain(chain);
			if (step.lostReason() != null || !this.reads.checkpointUnderBarrier(this.database)) {
				return null;
			}
			this.timeline.shippedThrough(step.shippedThrough());
			return DatabaseFileIdentity.of(this.file);
		}
		catch (SQLException | IOException | RuntimeException ex) {
			logger.debug("Continuous backup of database '{}' could not close chain {} cleanly: {}", this.database,
					chain.id, Messages.describe(ex));
			return null;
		}
	}

	/**
	 * Where SQLite's committed frames of the WAL end right now; the caller holds the write barrier,
	 * so nothing commits meanwhile.
	 * @throws UnreadableWalException when the frames do not read back as valid up to there
	 */
	WalPosition endOfCommitted() throws SQLException, IOException {
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
				throw new UnreadableWalException("the WAL frames SQLite counts as committed up to offset "
						+ end.endOffset() + " do not read back as valid frames after offset " + committed.endOffset());
			}
			return (committed.frameCount() == 0) ? start
					: new WalPosition(header.sequence(), header.salt1(), header.salt2(), committed.endOffset(),
							committed.checksumOut(), header.bigEndian());
		}
		catch (NoSuchFileException ex) {
			return WalPosition.EMPTY_WAL;
		}
	}

	/**
	 * A pass that failed while the read transaction was still held and before the chain's position
	 * moved: the frames wait in the WAL, and the next pass ships them into the same chain.
	 */
	BackupFailedException framesWait(Throwable ex) {
		return new BackupFailedException(this.database, null, "Continuous backup of database '" + this.database
				+ "' could not ship its new transactions: " + describe(ex)
				+ "; they stay in the WAL and the next pass tries again", ex);
	}

	/** Names errors such as running out of memory, which carry no message of their own worth reading. */
	static String describe(Throwable ex) {
		if (ex instanceof Exception exception) {
			return Messages.describe(exception);
		}
		return ex.getClass().getSimpleName() + ((ex.getMessage() != null) ? " (" + ex.getMessage() + ")" : "");
	}

	/** Publishes a segment of frames staged in a file, and records what that changes. */
	@FunctionalInterface
	interface Publication {

		void publish(Segment plain, Path frames) throws IOException;

	}

	/** What one read of the WAL found: frames shipped, or why continuity is lost. */
	record Step(@Nullable String lostReason, int frames, @Nullable Instant shippedThrough) {

		static final Step NOTHING = new Step(null, 0, null);

		static Step lost(String reason) {
			return new Step(reason, 0, null);
		}

		static Step shipped(int frames, Instant through) {
			return new Step(null, frames, through);
		}

	}

	/** The WAL's frames do not read back as valid up to where SQLite counts them committed. */
	static final class UnreadableWalException extends IOException {

		private static final long serialVersionUID = 1L;

		UnreadableWalException(String message) {
			super(message);
		}

	}

}
