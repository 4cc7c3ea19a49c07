package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.pointintime.ChainIndex;

/**
 * Keeps the head record of the chain a capture extends: written before the chain's anchor and
 * after every segment, rewritten now and then while idle to say the chain is still captured, and
 * checked then against the store, where only this process can notice that someone deleted it or
 * put an older copy back. A head that cannot be written only lags (readers look for segments after
 * the one it names), so that failure does not fail a pass.
 */
final class ChainHeadKeeper {

	private static final Logger logger = LoggerFactory.getLogger(ChainHeadKeeper.class);

	/** How often an idle chain's head record is rewritten to say that it is still captured. */
	static final Duration REFRESH = Duration.ofSeconds(30);

	/**
	 * How far a head may lag its chain in a store that bills requests: readers find the segments
	 * after it one by one, so about this long divided by the sync interval of them.
	 */
	static final Duration BILLED_LAG = Duration.ofSeconds(60);

	/** How often an idle chain's head is rewritten in a store that bills requests. */
	static final Duration BILLED_REFRESH = Duration.ofMinutes(5);

	private final EngineContext context;

	private final String database;

	/** The head as last written, {@code null} before the first chain. */
	private @Nullable ChainHead head;

	/** The instant the head last said the chain was captured until. */
	private @Nullable Instant writtenUntil;

	/** What this process noticed someone else did to the store, {@code null} when nothing. */
	private volatile @Nullable String storeTampered;

	/** Whether the store bills requests, so that heads are written now and then instead of after every segment. */
	private final boolean billed;

	/** Whether segments were published since the head was last written (in a store that bills requests). */
	private boolean behind;

	/** The head as the store last accepted it, {@code null} before. */
	private @Nullable ChainHead written;

	/** When the head was last written, by the clock. */
	private @Nullable Instant writtenAt;

	ChainHeadKeeper(EngineContext context, String database) {
		this.context = context;
		this.database = database;
		this.billed = context.store().billsRequests(database);
	}

	/**
	 * The capture goes on with a chain an earlier process left: its head, brought up to date with
	 * the store. What says the chain was closed on the database file stays until its next segment:
	 * a capture that dies before shipping one leaves the file as it was, and the next start can
	 * still go on with the chain.
	 */
	void resumed(ChainHead head) {
		this.head = head;
		this.written = null;
		this.writtenAt = null;
		this.behind = true;
	}

	/**
	 * The capture closed the chain cleanly: its head says so, with the database file's identity,
	 * so that a capture starting on the same file continues it.
	 */
	void closed(String chainId, Instant until, String fileIdentity) {
		ChainHead current = this.head;
		if (current != null && current.chainId().equals(chainId)) {
			write(((until.isAfter(current.aliveUntil())) ? current.aliveUntil(until) : current).closed(fileIdentity));
		}
	}

	/**
	 * The chain's anchor is published: a store not yet marked as holding a head for every chain
	 * is indexed now, while its segments are few (one listing), rather than by the first reader.
	 */
	void anchored() {
		try {
			if (!this.context.store().chainHeadsComplete(this.database)) {
				new ChainIndex(this.context).chains(this.database);
			}
		}
		catch (RuntimeException ex) {
			logger.debug("Continuous backup of database '{}' could not index its chains: {}", this.database,
					Messages.describe(ex));
		}
	}

	/** A chain starts from this anchor, which is published next. */
	void starting(Segment anchor, Instant capturedUntil) {
		write(ChainHead.of(List.of(anchor)).aliveUntil(capturedUntil));
	}

	/**
	 * A segment of the chain was published: the head is written now, or, in a store that bills
	 * requests, when {@link #writeDue} says so (a segment that records a gap or names a snapshot
	 * changes what readers must know at once, so it is written now there too).
	 */
	void published(Segment segment) {
		ChainHead current = this.head;
		if (current != null && current.chainId().equals(segment.chainId())) {
			ChainHead next = current.after(segment, segment.capturedAt());
			if (this.billed && segment.gapBefore() == null && segment.snapshotSha256() == null) {
				this.head = next;
				this.behind = true;
			}
			else {
				write(next);
			}
		}
	}

	/**
	 * Whether a pass should spend its write on the head rather than on a segment: in a store that
	 * bills requests, when segments were published since it was written {@link #BILLED_LAG} ago, or
	 * when it was written {@link #BILLED_REFRESH} ago. Never in a store that does not.
	 */
	boolean writeDue(String chainId, Instant now) {
		ChainHead current = this.head;
		if (!this.billed || current == null || !current.chainId().equals(chainId)) {
			return false;
		}
		Instant at = this.writtenAt;
		if (at == null) {
			return true;
		}
		Duration since = Duration.between(at, now);
		return (this.behind && since.compareTo(BILLED_LAG) >= 0) || since.compareTo(BILLED_REFRESH) >= 0;
	}

	/**
	 * Writes the head now, saying the chain was captured until {@code until} when that is known.
	 * @throws IOException when the store did not take it, so that the pass that spent its write on
	 * it fails as a pass that could not ship would
	 */
	void writeNow(String chainId, @Nullable Instant until) throws IOException {
		ChainHead current = this.head;
		if (current == null || !current.chainId().equals(chainId)) {
			return;
		}
		checkStore(current);
		ChainHead next = (until != null && until.isAfter(current.aliveUntil())) ? current.aliveUntil(until) : current;
		this.head = next;
		try {
			store(next);
		}
		catch (RuntimeException ex) {
			throw new IOException(Messages.describe(ex), ex);
		}
	}

	/**
	 * The chain was captured until {@code until}: rewrites the head when it last said so more than
	 * {@link #REFRESH} before (or {@code force}), after checking that the store still holds the head
	 * this process wrote.
	 */
	void capturedUntil(String chainId, Instant until, boolean force) {
		ChainHead current = this.head;
		if (!force && this.billed) {
			// Refreshed by writeDue, in a pass of its own.
			return;
		}
		if (current == null || !current.chainId().equals(chainId) || (!force && this.writtenUntil != null
				&& Duration.between(this.writtenUntil, until).compareTo(REFRESH) < 0)) {
			return;
		}
		if (!force) {
			checkStore(current);
		}
		write(current.aliveUntil(until));
	}

	/**
	 * Compaction changed what it holds of a level of the chain: the head is written now, or, in a
	 * store that bills requests, by the next head write.
	 */
	void compacted(String chainId, ChainHead.Level level) {
		ChainHead current = this.head;
		if (current != null && current.chainId().equals(chainId)) {
			ChainHead next = current.withLevel(level);
			if (this.billed) {
				this.head = next;
				this.behind = true;
			}
			else {
				write(next);
			}
		}
	}

	/** The head as this capture knows it, written or not; {@code null} before the first chain. */
	@Nullable ChainHead current() {
		return this.head;
	}

	/** The head as the store last accepted it from this capture, {@code null} before. */
	@Nullable ChainHead written() {
		return this.written;
	}

	/** What this process noticed someone else did to the store, {@code null} when nothing. */
	@Nullable String storeTampered() {
		return this.storeTampered;
	}

	private void checkStore(ChainHead head) {
		ChainHead current = this.written;
		if (current == null || !current.chainId().equals(head.chainId())) {
			return;
		}
		ChainHead stored;
		try {
			stored = this.context.store().findChainHead(this.database, current.chainId()).orElse(null);
		}
		catch (RuntimeException ex) {
			logger.debug("Continuous backup of database '{}' could not read back the head of chain {}: {}",
					this.database, current.chainId(), Messages.describe(ex));
			return;
		}
		if (stored == null || stored.newestSequence() < current.newestSequence()) {
			this.storeTampered = "the head record of chain " + current.chainId() + " in the store was "
					+ ((stored == null) ? "deleted" : "rolled back to segment " + stored.newestSequence())
					+ " after this process wrote it for segment " + current.newestSequence() + " at "
					+ current.newestCapturedAt() + ": someone else changed the store, and segments may have been "
					+ "deleted with it";
			logger.warn("Continuous backup of database '{}': {}", this.database, this.storeTampered);
		}
	}

	private void store(ChainHead next) throws IOException {
		this.context.store().publishChainHead(this.context.authenticity().sign(next));
		this.written = next;
		this.writtenUntil = next.aliveUntil();
		this.writtenAt = this.context.clock().instant();
		this.behind = false;
	}

	private void write(ChainHead next) {
		this.head = next;
		try {
			store(next);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Continuous backup of database '{}' could not write the head record of chain {}: {}",
					this.database, next.chainId(), Messages.describe(ex));
		}
	}

}
