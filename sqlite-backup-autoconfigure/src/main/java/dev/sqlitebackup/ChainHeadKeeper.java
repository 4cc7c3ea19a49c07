package dev.sqlitebackup;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

	private final EngineContext context;

	private final String database;

	/** The head as last written, {@code null} before the first chain. */
	private @Nullable ChainHead head;

	/** The instant the head last said the chain was captured until. */
	private @Nullable Instant writtenUntil;

	/** What this process noticed someone else did to the store, {@code null} when nothing. */
	private volatile @Nullable String storeTampered;

	ChainHeadKeeper(EngineContext context, String database) {
		this.context = context;
		this.database = database;
	}

	/** A chain starts from this anchor, which is published next. */
	void starting(Segment anchor, Instant capturedUntil) {
		write(ChainHead.of(List.of(anchor)).aliveUntil(capturedUntil));
	}

	/** A segment of the chain was published. */
	void published(Segment segment) {
		ChainHead current = this.head;
		if (current != null && current.chainId().equals(segment.chainId())) {
			write(current.after(segment, segment.capturedAt()));
		}
	}

	/**
	 * The chain was captured until {@code until}: rewrites the head when it last said so more than
	 * {@link #REFRESH} before (or {@code force}), after checking that the store still holds the head
	 * this process wrote.
	 */
	void capturedUntil(String chainId, Instant until, boolean force) {
		ChainHead current = this.head;
		if (current == null || !current.chainId().equals(chainId) || (!force && this.writtenUntil != null
				&& Duration.between(this.writtenUntil, until).compareTo(REFRESH) < 0)) {
			return;
		}
		if (!force) {
			checkStore(current);
		}
		write(current.aliveUntil(until));
	}

	/** What this process noticed someone else did to the store, {@code null} when nothing. */
	@Nullable String storeTampered() {
		return this.storeTampered;
	}

	private void checkStore(ChainHead current) {
		ChainHead stored = this.context.fromStore(this.database, () -> this.context.store().listChainHeads(this.database))
			.get(current.chainId());
		if (stored == null || stored.newestSequence() < current.newestSequence()) {
			this.storeTampered = "the head record of chain " + current.chainId() + " in the store was "
					+ ((stored == null) ? "deleted" : "rolled back to segment " + stored.newestSequence())
					+ " after this process wrote it for segment " + current.newestSequence() + " at "
					+ current.newestCapturedAt() + ": someone else changed the store, and segments may have been "
					+ "deleted with it";
			logger.warn("Continuous backup of database '{}': {}", this.database, this.storeTampered);
		}
	}

	private void write(ChainHead next) {
		this.head = next;
		try {
			this.context.store().publishChainHead(this.context.authenticity().sign(next));
			this.writtenUntil = next.aliveUntil();
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Continuous backup of database '{}' could not write the head record of chain {}: {}",
					this.database, next.chainId(), Messages.describe(ex));
		}
	}

}
