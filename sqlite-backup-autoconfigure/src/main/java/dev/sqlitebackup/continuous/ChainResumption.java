package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.DatabaseFileIdentity;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.ReadHold;
import dev.sqlitebackup.pointintime.ChainHistory;
import dev.sqlitebackup.pointintime.ChainIndex;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * Whether a capture that starts can go on with the chain the store's latest point belongs to, instead
 * of starting a new one from a full snapshot: only when it can prove that the database on disk holds
 * exactly that chain's state plus what its WAL holds after it. Two proofs are accepted:
 * <ul>
 * <li>the WAL goes on from the last frame the chain shipped: same salts (it did not restart since)
 * and that frame still in place with its checksum (nothing was written over). Every frame after it
 * is then still in the file, and is shipped next. This is how a {@code kill -9} leaves it.</li>
 * <li>the chain was closed cleanly (the last pass shipped everything and checkpointed it into the
 * database file, and the head records the file's identity, {@link DatabaseFileIdentity}), and the
 * file is still the same: nobody wrote it since, so whatever the WAL holds now (a new generation,
 * or nothing) came after that state. This is how a graceful restart leaves it, once SQLite deleted
 * the WAL.</li>
 * </ul>
 * Either way, what the first pass then ships was committed while no capture ran, at instants nobody
 * recorded: the stretch from the chain's last point to that segment is recorded as a gap. Anything
 * else (a WAL that restarted and a database file that changed, a chain whose newest segment
 * is gone, another chain that is newer) starts a new chain, with the reason.
 */
final class ChainResumption {

	/** Why a capture of a store without chains starts one: nothing to continue. */
	static final String NO_CHAIN = "the store holds no chain of it";

	private final EngineContext context;

	private final String database;

	ChainResumption(EngineContext context, String database) {
		this.context = context;
		this.database = database;
	}

	/**
	 * Takes the capture's read transaction first, so that the WAL cannot restart while it is
	 * checked (and before anything else opens the database: closing the only connection to it
	 * would checkpoint the WAL into the file and delete it, and with it the proof that it goes on),
	 * finishes what a process that died in the middle of a publication left, then checks.
	 */
	Outcome open(ReadHold reads, ChainSnapshots snapshots, Path file) throws SQLException, IOException {
		reads.begin();
		snapshots.requireWal();
		snapshots.cleanUpStore();
		return check(file, WalFrames.walOf(file));
	}

	/** Checks the store's latest chain against the database file and its WAL. */
	Outcome check(Path file, Path wal) throws IOException {
		ChainIndex index = new ChainIndex(this.context);
		ChainHistory.Chain latest = index.history(this.database, (backupId) -> true).latest();
		if (latest == null) {
			return Outcome.refused(NO_CHAIN);
		}
		ChainHead head = latest.head();
		Optional<Segment> found = index.find(this.database, head.chainId(), head.newestSequence());
		if (found.isEmpty() || this.context.authenticity().refusal(found.get()) != null) {
			return Outcome.refused("the newest segment of chain " + head.chainId() + " is missing or not trusted");
		}
		Segment newest = found.get();
		WalPosition position = positionAfter(newest);
		Instant lastPoint = newest.capturedAt().isAfter(head.aliveUntil()) ? newest.capturedAt() : head.aliveUntil();
		String walProblem = walGoesOn(wal, position, newest.pageSize());
		if (walProblem == null) {
			return new Outcome(newest, head, position, lastPoint, "its WAL goes on from the last frame shipped", null);
		}
		String closed = head.closedFile();
		if (closed != null && closed.equals(DatabaseFileIdentity.of(file))) {
			return new Outcome(newest, head, WalPosition.EMPTY_WAL, lastPoint,
					"the database file is the one the chain was closed on", null);
		}
		String fileProblem = (closed == null) ? "the chain was not closed cleanly"
				: "the database file changed since the chain was closed at " + head.aliveUntil();
		return Outcome.refused("chain " + head.chainId() + " cannot be continued: " + walProblem + ", and "
				+ fileProblem);
	}

	/** Where the WAL stood after a segment: the end of its frames, or the position a frameless one names. */
	static WalPosition positionAfter(Segment segment) {
		if (segment.walSequence() < 0) {
			return WalPosition.EMPTY_WAL;
		}
		return new WalPosition(segment.walSequence(), segment.salt1(), segment.salt2(), segment.endOffset(),
				segment.checksumOut(), segment.bigEndianChecksum());
	}

	/** Why the WAL does not go on from the position, or {@code null} when it does. */
	private static @Nullable String walGoesOn(Path wal, WalPosition position, int pageSize) throws IOException {
		if (position.isEmptyWal()) {
			return "its WAL was empty at the chain's last point";
		}
		try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.READ)) {
			WalFrames.Header header = WalFrames.readHeader(channel);
			if (header == null || header.salt1() != position.salt1() || header.salt2() != position.salt2()) {
				return "its WAL restarted since the chain's last point";
			}
			return position.rewrittenIn(channel, pageSize);
		}
		catch (NoSuchFileException ex) {
			return "its WAL is gone";
		}
		catch (IOException ex) {
			if (!Files.exists(wal)) {
				return "its WAL is gone";
			}
			throw ex;
		}
	}

	/**
	 * What the check found.
	 *
	 * @param newest the chain's newest segment, {@code null} when it cannot be continued
	 * @param head the chain's head, brought up to date
	 * @param position where the capture goes on from in the WAL
	 * @param gapFrom the chain's last point: what the first pass ships was committed after it, while
	 * no capture ran
	 * @param proof why the chain can go on, {@code null} when it cannot
	 * @param refusal why the chain cannot be continued, {@code null} when it can
	 */
	record Outcome(@Nullable Segment newest, @Nullable ChainHead head, @Nullable WalPosition position,
			@Nullable Instant gapFrom, @Nullable String proof, @Nullable String refusal) {

		static Outcome refused(String why) {
			return new Outcome(null, null, null, null, null, why);
		}

		/** Where the capture stands in the chain it goes on with. */
		ChainCursor cursor() {
			return ChainCursor.after(Objects.requireNonNull(this.newest), Objects.requireNonNull(this.position));
		}

		/**
		 * Tells the capture's parts that it goes on with the chain: the next segment records the
		 * stretch since the chain's last point as a gap, stamps do not go back before it, the
		 * next chain follows it, and the head goes on from the one in the store.
		 */
		void applyTo(CaptureTimeline timeline, ChainAncestry ancestry, ChainHeadKeeper heads) {
			Segment segment = Objects.requireNonNull(this.newest);
			ChainHead current = Objects.requireNonNull(this.head);
			timeline.resumedAfter(this.gapFrom);
			timeline.notBefore(current.aliveUntil().isAfter(segment.capturedAt()) ? current.aliveUntil()
					: segment.capturedAt());
			ancestry.published(segment.point());
			heads.resumed(current);
		}

	}

}
