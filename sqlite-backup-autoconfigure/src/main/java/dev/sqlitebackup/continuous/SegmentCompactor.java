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
 * thins out what a higher level covers once it is old enough, so that a restore reads a bounded
 * number of objects and the store holds a bounded number per chain.
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

	/** Most objects one pass deletes. */
	static final int MAX_DELETES_PER_PASS = 64;

	/** How often thinning looks for objects old enough to go, at most. */
	private static final Duration THIN_EVERY = Duration.ofSeconds(30);

	/** How long compaction rests after a block could not be built. */
	private static final Duration RETRY_AFTER = Duration.ofMinutes(1);

	private final EngineContext context;

	private final String database;

	private final CompactionLevels levels;

	private final ChainHeadKeeper heads;

	private final SegmentPublisher publisher;

	private final ChainIndex index;

	private final SegmentReplay replay;

	/** The chain {@link #deletedBelow} is about. */
	private @Nullable String chainId;

	/** Per level, the sequence below which this process deleted what thinning let go. */
	private final Map<Integer, Long> deletedBelow = new HashMap<>();

	/** Per level, where its first block starts while it has none (moved on past inputs retention deleted). */
	private final Map<Integer, Long> firstStart = new HashMap<>();

	private @Nullable Instant thinnedAt;

	/** Whether the store bills each request, so that a block takes a pass's one write. */
	private final boolean billed;

	/** Whether the last pass shipped frames, so that a billed store's pass may spend its write on a block. */
	private boolean shippedLastPass;

	/** When blocks this process built or read were captured, by id, so that idle thinning asks the store nothing. */
	private final Map<String, Instant> blockTimes = new java.util.LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
			return size() > 256;
		}

	};

	private @Nullable Instant restUntil;

	SegmentCompactor(EngineContext context, String database, ChainHeadKeeper heads, SegmentPublisher publisher) {
		this.context = context;
		this.database = database;
		this.levels = context.options().compaction();
		this.heads = heads;
		this.publisher = publisher;
		this.index = new ChainIndex(context);
		this.replay = new SegmentReplay(context);
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
			this.blockTimes.put(built.id(), built.capturedAt());
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
	 * level keeps (reading a block manifest or two for their instants, now and then), then
	 * deletes, in bounded steps, what a written head already says is thinned.
	 */
	void thin(String chainId) {
		ChainHead head = this.heads.current();
		if (!this.levels.enabled() || head == null || !head.chainId().equals(chainId)) {
			return;
		}
		adopt(head);
		Instant now = this.context.clock().instant();
		try {
			Duration every = this.levels.rawKeptFor().dividedBy(2);
			if (this.thinnedAt == null || !now.isBefore(this.thinnedAt.plus((every.compareTo(THIN_EVERY) < 0) ? every : THIN_EVERY))) {
				this.thinnedAt = now;
				for (int level = 0; level < this.levels.top(); level++) {
					advance(head.chainId(), level, now);
				}
			}
			deleteThinned();
		}
		catch (RuntimeException ex) {
			logger.warn("Continuous backup of database '{}' could not thin out compacted segments of chain {}: {}",
					this.database, chainId, Messages.describe(ex));
		}
	}

	/** Starts keeping track of a chain: what its head says is thinned was deleted before. */
	private void adopt(ChainHead head) {
		if (head.chainId().equals(this.chainId)) {
			return;
		}
		this.chainId = head.chainId();
		this.deletedBelow.clear();
		this.firstStart.clear();
		this.blockTimes.clear();
		for (int level = 0; level <= this.levels.top(); level++) {
			this.deletedBelow.put(level, keptFrom(head, level));
		}
	}

	private @Nullable String coveredId;

	/** Whether the block of a level that starts there is in the store (the last answer is remembered). */
	private boolean covered(String chainId, int level, long start) {
		String id = Segment.blockIdOf(chainId, level, start);
		if (id.equals(this.coveredId) || this.blockTimes.containsKey(id)) {
			return true;
		}
		boolean present = this.index.findBlock(this.database, chainId, level, start).isPresent();
		this.coveredId = present ? id : null;
		return present;
	}

	private static long keptFrom(ChainHead head, int level) {
		ChainHead.Level current = head.level(level);
		return (current != null) ? current.keptFrom() : 0;
	}

	private void advance(String chainId, int level, Instant now) {
		Duration keep = this.levels.keptFor(level);
		ChainHead head = this.heads.current();
		if (keep == null || head == null) {
			return;
		}
		ChainHead.Level upper = head.level(level + 1);
		if (upper == null || (level > 0 && head.level(level) == null)) {
			return;
		}
		long size = this.levels.size(level + 1);
		long from = Math.max(keptFrom(head, level), upper.keptFrom());
		long next = Math.floorDiv(from + size - 1, size) * size;
		for (int read = 0; read < 8 && next + size - 1 <= upper.through(); read++) {
			Instant capturedAt = blockTime(chainId, level + 1, next);
			if ((capturedAt != null) ? capturedAt.isAfter(now.minus(keep)) : lowerPresent(chainId, level, next)) {
				break;
			}
			next += size;
		}
		if (level == 0) {
			// The newest segment a head names stays: it is how readers see that the chain's tail is whole.
			next = Math.min(next, head.newestSequence());
		}
		if (next > keptFrom(head, level)) {
			this.heads.compacted(chainId, new ChainHead.Level(level, next, (level == 0) ? -1 : head.level(level).through()));
		}
	}

	/** When a block was captured, {@code null} when it is not in the store. */
	private @Nullable Instant blockTime(String chainId, int level, long start) {
		String id = Segment.blockIdOf(chainId, level, start);
		Instant known = this.blockTimes.get(id);
		if (known != null) {
			return known;
		}
		Optional<Segment> block = this.index.findBlock(this.database, chainId, level, start);
		block.ifPresent((found) -> this.blockTimes.put(id, found.capturedAt()));
		return block.map(Segment::capturedAt).orElse(null);
	}

	/**
	 * Whether an object of a level is there at the start of a block of the level above that is not:
	 * then the block went missing (thinning stops there); else retention deleted both.
	 */
	private boolean lowerPresent(String chainId, int level, long start) {
		long at = start;
		if (level == 0) {
			ChainHead head = this.heads.current();
			while (head != null && isSnapshotSequence(head, at)) {
				at++;
			}
			return this.index.find(this.database, chainId, at).isPresent();
		}
		return this.index.findBlock(this.database, chainId, level, at).isPresent();
	}

	private static boolean isSnapshotSequence(ChainHead head, long sequence) {
		return head.snapshots().stream().anyMatch((snapshot) -> snapshot.sequence() == sequence);
	}

	/**
	 * Deletes, oldest first and a bounded number per pass, what the written head says is thinned,
	 * each object only when the block of the level above that covers it is there.
	 */
	private void deleteThinned() {
		ChainHead written = this.heads.written();
		if (written == null || !written.chainId().equals(this.chainId)) {
			return;
		}
		int deletes = 0;
		for (int level = 0; level < this.levels.top() && deletes < MAX_DELETES_PER_PASS; level++) {
			long below = keptFrom(written, level);
			long at = this.deletedBelow.getOrDefault(level, below);
			long step = (level == 0) ? 1 : this.levels.size(level);
			while (at < below && deletes < MAX_DELETES_PER_PASS) {
				deletes += deleteOne(written, level, at) ? 1 : 0;
				at += step;
				this.deletedBelow.put(level, at);
			}
		}
		if (deletes > 0) {
			logger.debug("Continuous backup of database '{}' deleted {} object(s) compaction covers", this.database,
					deletes);
		}
	}

	private boolean deleteOne(ChainHead written, int level, long start) {
		if (level == 0 && isSnapshotSequence(written, start)) {
			return false;
		}
		if (!covered(written.chainId(), level + 1, this.levels.blockStart(level + 1, start))) {
			return false;
		}
		Optional<Segment> object = (level == 0) ? this.index.find(this.database, written.chainId(), start)
				: this.index.findBlock(this.database, written.chainId(), level, start);
		if (object.isEmpty() || object.get().isSnapshot()) {
			return false;
		}
		try {
			this.context.store().deleteSegment(object.get());
			return true;
		}
		catch (IOException ex) {
			logger.debug("Continuous backup of database '{}' could not delete {}: {}", this.database,
					object.get().id(), Messages.describe(ex));
			return false;
		}
	}

}
