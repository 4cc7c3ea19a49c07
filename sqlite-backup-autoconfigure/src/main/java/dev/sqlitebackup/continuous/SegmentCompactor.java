package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.pointintime.ChainIndex;

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
 * deletes their chain).
 * <p>
 * Blocks are built one at a time on a thread of their own ({@link BlockBuild}), so that a pass
 * never waits for one; the capture's thread asks for them, records each in the head at the first
 * pass after it is built (the head has one writer) and thins. In a store that bills requests the
 * pass that asks for a block ships nothing, so that the block's write takes that pass's place
 * and the capture still writes at most once per pass on average.
 */
final class SegmentCompactor implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(SegmentCompactor.class);

	/** How long compaction rests after a block could not be built. */
	private static final Duration RETRY_AFTER = Duration.ofMinutes(1);

	/** How long closing waits for a block being built to give up. */
	private static final Duration STOP_WAIT = Duration.ofSeconds(30);

	private final EngineContext context;

	private final String database;

	private final CompactionLevels levels;

	private final ChainHeadKeeper heads;

	private final SegmentPublisher publisher;

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

	/** The thread blocks are built on, started with the first one. */
	private @Nullable ExecutorService builder;

	/** The block being built, until a pass records what came of it. */
	private volatile @Nullable InFlight inFlight;

	SegmentCompactor(EngineContext context, String database, ChainHeadKeeper heads, SegmentPublisher publisher) {
		this.context = context;
		this.database = database;
		this.levels = context.options().compaction();
		this.heads = heads;
		this.publisher = publisher;
		this.thinner = new SegmentThinner(context, database, heads, new ChainIndex(context));
		this.billed = context.store().billsRequests(database);
	}

	/**
	 * In a store that bills requests, asks for the block that is due with this pass's one write, on
	 * a pass after one that shipped (so that the frames wait one pass, not a backlog of blocks).
	 * @return whether the pass was spent on it, and ships nothing
	 */
	boolean spentPassOnBlock(String chainId) {
		recordBuilt();
		Block block = (this.billed && this.shippedLastPass && this.inFlight == null) ? due(chainId) : null;
		if (block == null) {
			return false;
		}
		this.shippedLastPass = false;
		startBuilding(chainId, block);
		thin(chainId);
		return true;
	}

	/** A pass shipped: a store that does not bill requests gets the block that is due now; then thinning. */
	void shipped(String chainId) {
		this.shippedLastPass = true;
		recordBuilt();
		Block block = (this.billed || this.inFlight != null) ? null : due(chainId);
		if (block != null) {
			startBuilding(chainId, block);
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
		// Highest level first: while blocks are built off the pass, lower ones pile up and would starve it.
		for (int level = this.levels.top(); level >= 1; level--) {
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

	private void startBuilding(String chainId, Block block) {
		ExecutorService builder = this.builder;
		if (builder == null) {
			builder = Executors.newSingleThreadExecutor((task) -> {
				Thread thread = new Thread(task, "sqlite-backup-compaction-" + this.database);
				thread.setDaemon(true);
				return thread;
			});
			this.builder = builder;
		}
		BlockBuild build = new BlockBuild(this.context, this.database, this.publisher.atEpoch(this.publisher.epoch()),
				chainId, block);
		this.inFlight = new InFlight(chainId, block, builder.submit(build));
	}

	/**
	 * Records in the head the block the compactor's thread has built since the last pass (written
	 * at once, or by the next head write in a store that bills requests); a block of a chain the
	 * capture no longer extends is left for no head to name.
	 */
	private void recordBuilt() {
		InFlight job = this.inFlight;
		if (job == null || !job.outcome().isDone()) {
			return;
		}
		this.inFlight = null;
		ChainHead head = this.heads.current();
		if (head == null || !head.chainId().equals(job.chainId())) {
			return;
		}
		Block block = job.block();
		try {
			BlockBuild.Outcome outcome = job.outcome().get();
			if (outcome instanceof BlockBuild.Built built) {
				this.thinner.built(built.segment());
				ChainHead.Level current = head.level(block.level());
				this.heads.compacted(job.chainId(), new ChainHead.Level(block.level(),
						(current != null) ? current.keptFrom() : block.start(), block.end()));
				logger.debug("Continuous backup of database '{}' compacted sequences {} to {} of chain {} into a level "
						+ "{} block of {} pages in {} ms", this.database, block.start(), block.end(), job.chainId(),
						block.level(), built.segment().frameCount(), built.millis());
			}
			else if (outcome instanceof BlockBuild.MissingInputs missing) {
				goOnAfter(job.chainId(), block, missing);
			}
		}
		catch (ExecutionException | CancellationException ex) {
			Exception cause = (ex.getCause() instanceof Exception failure) ? failure : ex;
			this.restUntil = this.context.clock().instant().plus(RETRY_AFTER);
			logger.warn("Continuous backup of database '{}' could not compact sequences {} to {} of chain {} into a "
					+ "level {} block (its segments stay as they are; retrying in {} s): {}", this.database,
					block.start(), block.end(), job.chainId(), block.level(), RETRY_AFTER.toSeconds(),
					Messages.describe(cause));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * The first block of a level lacks inputs retention deleted (it keeps nothing before the oldest
	 * snapshot it keeps), or someone else did: the level goes on after them, and what is there stays
	 * as it is.
	 */
	private void goOnAfter(String chainId, Block block, BlockBuild.MissingInputs missing) {
		ChainHead head = this.heads.current();
		if (head != null && head.level(block.level()) == null) {
			this.firstStart.put(block.level(), block.end() + 1);
		}
		else {
			this.heads.compacted(chainId, new ChainHead.Level(block.level(), block.end() + 1, block.end()));
		}
		logger.info("Continuous backup of database '{}' goes on compacting chain {} at level {} after sequence {}: "
				+ "{} of the objects it would merge are not in the store", this.database, chainId, block.level(),
				block.end(), missing.expected() - missing.found());
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

	/** Waits until the block being built, if any, is built or has failed; {@code false} when not within {@code timeout}. */
	boolean awaitBuilt(Duration timeout) throws InterruptedException {
		InFlight job = this.inFlight;
		if (job == null) {
			return true;
		}
		try {
			job.outcome().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | CancellationException ex) {
			// The next pass reports it.
		}
		catch (TimeoutException ex) {
			return false;
		}
		return true;
	}

	/**
	 * Stops building: a block being built is given up (what it left is what a crash leaves, see the
	 * class comment), and the thread ends before the capture lets go of the store or stands by. A
	 * later block starts a thread again.
	 */
	@Override
	public void close() {
		ExecutorService builder = this.builder;
		this.builder = null;
		this.inFlight = null;
		if (builder == null) {
			return;
		}
		builder.shutdownNow();
		try {
			if (!builder.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
				logger.warn("Continuous backup of database '{}' stopped while a compaction block was still being "
						+ "built; the block is not used until a head names it", this.database);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** A block being built on the compactor's thread. */
	private record InFlight(String chainId, Block block, Future<BlockBuild.Outcome> outcome) {
	}

}
