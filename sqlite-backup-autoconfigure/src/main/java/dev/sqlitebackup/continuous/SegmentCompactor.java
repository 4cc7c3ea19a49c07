package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.pointintime.ChainIndex;
import dev.sqlitebackup.pointintime.SegmentReplay;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * Merges the segments of the chain a capture extends into blocks ({@link CompactionLevels}) and
 * thins out what a higher level covers once it is old enough ({@link SegmentThinner}), so that a
 * restore reads a bounded number of objects and the store holds a bounded number per chain.
 * <p>
 * Why no step can lose a restorable point: a block is built from inputs checked as a restore
 * checks them, published under a key of its own, and read back and checked in full before the
 * head records it; a restore uses only blocks the head records. Objects below a level's
 * {@code keptFrom} are deleted only once a head saying so was written, so that no reader takes a
 * thinned stretch for a hole, and no object is ever deleted before the head recorded the block
 * that covers it. A crash anywhere leaves at worst a block no head names (rebuilt, under the same
 * key, by the next capture) or objects a head says are thinned (left as garbage until retention
 * deletes their chain). Runs on the capture's thread, one block per pass at most: the chain's head
 * has one writer.
 */
final class SegmentCompactor {

	private static final Logger logger = LoggerFactory.getLogger(SegmentCompactor.class);

	/** How long compaction rests after a block could not be built. */
	private static final Duration RETRY_AFTER = Duration.ofMinutes(1);

	private final EngineContext context;

	private final String database;

	private final CompactionLevels levels;

	private final ChainHeadKeeper heads;

	private final SegmentPublisher publisher;

	private final ChainIndex index;

	private final SegmentReplay replay;

	private final SegmentThinner thinner;

	/** The chain {@link #firstStart} and the thinner's records are about. */
	private @Nullable String chainId;

	/** Per level, where its first block starts while it has none (moved on past inputs retention deleted). */
	private final Map<Integer, Long> firstStart = new HashMap<>();

	/** Whether the store bills each request, so that a block takes a pass's one write. */
	private final boolean billed;

	/** Whether the last pass shipped frames, so that a billed store's pass may spend its write on a block. */
	private boolean shippedLastPass;

	private @Nullable Instant restUntil;

	SegmentCompactor(EngineContext context, String database, ChainHeadKeeper heads, SegmentPublisher publisher) {
		this.context = context;
		this.database = database;
		this.levels = context.options().compaction();
		this.heads = heads;
		this.publisher = publisher;
		this.index = new ChainIndex(context);
		this.replay = new SegmentReplay(context);
		this.thinner = new SegmentThinner(context, database, heads, this.index);
		this.billed = context.store().billsRequests(database);
	}

	/**
	 * In a store that bills requests, builds the block that is due with this pass's one write, on
	 * a pass after one that shipped (so that the frames wait one pass, not a backlog of blocks).
	 * @return whether the pass was spent on it, and ships nothing
	 */
	boolean spentPassOnBlock(String chainId) {
		Block block = (this.billed && this.shippedLastPass) ? due(chainId) : null;
		if (block == null) {
			return false;
		}
		this.shippedLastPass = false;
		build(block);
		thin(chainId);
		return true;
	}

	/** A pass shipped: a store that does not bill requests gets the block that is due now; then thinning. */
	void shipped(String chainId) {
		this.shippedLastPass = true;
		Block block = this.billed ? null : due(chainId);
		if (block != null) {
			build(block);
		}
		thin(chainId);
	}

	/** A block due to be built: its level and the sequences it covers. */
	record Block(int level, long start, long end) {
	}

	/** The next block due for the chain, {@code null} when none is (or compaction rests after a failure). */
	@Nullable Block due(String chainId) {
		ChainHead head = this.heads.current();
		if (!this.levels.enabled() || head == null || !head.chainId().equals(chainId) || resting()) {
			return null;
		}
		adopt(head);
		for (int level = 1; level <= this.levels.top(); level++) {
			Block next = next(head, level);
			if (next != null) {
				return next;
			}
		}
		return null;
	}

	private boolean resting() {
		Instant until = this.restUntil;
		return until != null && this.context.clock().instant().isBefore(until);
	}

	private @Nullable Block next(ChainHead head, int level) {
		ChainHead.Level current = head.level(level);
		long start;
		long available;
		if (level == 1) {
			available = head.newestSequence();
			start = (current != null) ? current.through() + 1
					: this.firstStart.getOrDefault(1, this.levels.blockStart(1, firstSnapshot(head)));
		}
		else {
			ChainHead.Level below = head.level(level - 1);
			if (below == null) {
				return null;
			}
			available = below.through();
			long size = this.levels.size(level);
			start = (current != null) ? current.through() + 1
					: this.firstStart.getOrDefault(level, Math.floorDiv(below.keptFrom() + size - 1, size) * size);
		}
		long end = this.levels.blockEnd(level, start);
		return (end <= available) ? new Block(level, start, end) : null;
	}

	private static long firstSnapshot(ChainHead head) {
		return head.snapshots().isEmpty() ? 0 : head.snapshots().get(0).sequence();
	}

	/**
	 * Builds a block, publishes it, reads it back and checks it in full, and records it in the
	 * head (written at once, or by the next head write in a store that bills requests).
	 * @return whether the block was published; {@code false} when it could not be built (logged,
	 * and compaction rests a while)
	 */
	boolean build(Block block) {
		ChainHead head = this.heads.current();
		if (head == null) {
			return false;
		}
		long started = System.nanoTime();
		try {
			List<Segment> inputs = inputs(head.chainId(), block);
			if (inputs == null) {
				return false;
			}
			Segment built = publish(head.chainId(), block, inputs);
			this.thinner.built(built);
			ChainHead.Level current = head.level(block.level());
			this.heads.compacted(head.chainId(), new ChainHead.Level(block.level(),
					(current != null) ? current.keptFrom() : block.start(), block.end()));
			logger.debug("Continuous backup of database '{}' compacted sequences {} to {} of chain {} into a level {} "
					+ "block of {} pages in {} ms", this.database, block.start(), block.end(), head.chainId(),
					block.level(), built.frameCount(), (System.nanoTime() - started) / 1_000_000);
			return true;
		}
		catch (IOException | RuntimeException ex) {
			this.restUntil = this.context.clock().instant().plus(RETRY_AFTER);
			logger.warn("Continuous backup of database '{}' could not compact sequences {} to {} of chain {} into a "
					+ "level {} block (its segments stay as they are; retrying in {} s): {}", this.database,
					block.start(), block.end(), head.chainId(), block.level(), RETRY_AFTER.toSeconds(),
					Messages.describe(ex));
			return false;
		}
	}

	/**
	 * The objects a block merges, checked to follow each other; {@code null} when the first block of
	 * a level lacks inputs retention deleted (it then starts one block later).
	 */
	private @Nullable List<Segment> inputs(String chainId, Block block) {
		List<Segment> inputs = new ArrayList<>();
		if (block.level() == 1) {
			inputs.addAll(this.index.segments(this.database, chainId, block.start(), block.end(), (segment) -> true));
		}
		else {
			long size = this.levels.size(block.level() - 1);
			for (long start = block.start(); start <= block.end(); start += size) {
				Optional<Segment> input = this.index.findBlock(this.database, chainId, block.level() - 1, start);
				if (input.isEmpty()) {
					break;
				}
				inputs.add(input.get());
			}
		}
		long expected = (block.level() == 1) ? block.end() - block.start() + 1
				: this.levels.size(block.level()) / this.levels.size(block.level() - 1);
		if (inputs.size() < expected) {
			// Retention deleted them (it keeps nothing before the oldest snapshot it keeps), or someone
			// else did: the level goes on after them, and what is there stays as it is.
			ChainHead head = this.heads.current();
			if (head != null && head.level(block.level()) == null) {
				this.firstStart.put(block.level(), block.end() + 1);
			}
			else {
				this.heads.compacted(chainId, new ChainHead.Level(block.level(), block.end() + 1, block.end()));
			}
			logger.info("Continuous backup of database '{}' goes on compacting chain {} at level {} after sequence {}: "
					+ "{} of the objects it would merge are not in the store", this.database, chainId, block.level(),
					block.end(), expected - inputs.size());
			return null;
		}
		Segment previous = null;
		for (Segment input : inputs) {
			String refusal = this.context.authenticity().refusal(input);
			if (refusal != null) {
				throw new IllegalStateException(input.id() + " is refused: " + refusal);
			}
			if (previous != null && (input.fromSequence() != previous.sequence() + 1
					|| !input.previousSha256().equals(previous.chainSha256()) || input.pageSize() != previous.pageSize()
					|| input.capturedAt().isBefore(previous.capturedAt()))) {
				throw new IllegalStateException(input.id() + " does not follow " + previous.id());
			}
			previous = input;
		}
		return inputs;
	}

	private Segment publish(String chainId, Block block, List<Segment> inputs) throws IOException {
		Segment first = inputs.get(0);
		Segment last = inputs.get(inputs.size() - 1);
		String id = Segment.blockIdOf(chainId, block.level(), block.start());
		BackupStore store = this.context.store();
		try (StagingFile pages = store.newStagingFile(this.database, id + "-pages");
				StagingFile frames = store.newStagingFile(this.database, id)) {
			BitSet written = this.replay.collectNewestPages(this.database, inputs, Long.MAX_VALUE, pages.path());
			WalFrames.Written merged = WalFrames.writePages(pages.path(), written, last, frames.path());
			Segment plain = new Segment(chainId, block.end(), this.database, last.baseBackupId(), last.capturedAt(),
					last.walSequence(), last.salt1(), last.salt2(), first.startOffset(), last.endOffset(), 0L,
					merged.checksumOut(), last.bigEndianChecksum(), merged.count(), last.pageSize(), last.pageCount(),
					merged.sha256(), first.previousSha256(), null, 0, merged.sha256(), Backup.NO_COMPRESSION, null,
					null, null, null, null, block.level(), block.start(), last.chainSha256());
			Segment published = this.publisher.publish(plain, frames.path());
			verify(chainId, block, published);
			return published;
		}
	}

	/** Reads the published block back and checks it as a restore would, before anything relies on it. */
	private void verify(String chainId, Block block, Segment published) throws IOException {
		Segment stored = this.index.findBlock(this.database, chainId, block.level(), block.start())
			.orElseThrow(() -> new IllegalStateException("the published block " + published.id() + " is not there"));
		if (!stored.sha256().equals(published.sha256()) || !stored.plainSha256().equals(published.plainSha256())
				|| stored.frameCount() != published.frameCount()) {
			throw new IllegalStateException("the block " + published.id() + " read back is not the one published");
		}
		try (StagingFile check = this.context.store().newStagingFile(this.database, published.id() + "-verify")) {
			this.replay.collectNewestPages(this.database, List.of(stored), Long.MAX_VALUE, check.path());
		}
	}

	/**
	 * Moves each level's {@code keptFrom} past what the next level covers and is older than the
	 * level keeps, then deletes, in bounded steps, what a written head already says is thinned
	 * ({@link SegmentThinner}).
	 */
	void thin(String chainId) {
		ChainHead head = this.heads.current();
		if (!this.levels.enabled() || head == null || !head.chainId().equals(chainId)) {
			return;
		}
		adopt(head);
		this.thinner.thin(head);
	}

	/** Starts keeping track of a chain: what its head says is thinned was deleted before. */
	private void adopt(ChainHead head) {
		if (head.chainId().equals(this.chainId)) {
			return;
		}
		this.chainId = head.chainId();
		this.firstStart.clear();
		this.thinner.adopt(head);
	}

}
