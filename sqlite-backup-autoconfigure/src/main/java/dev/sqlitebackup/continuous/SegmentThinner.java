package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.pointintime.ChainIndex;

/**
 * The thinning half of {@link SegmentCompactor}: moves each level's {@code keptFrom} past what the
 * next level covers once it is old enough, and deletes, in bounded steps, what a written head says
 * is thinned (why that order loses no restorable point: see {@link SegmentCompactor}). Runs on the
 * capture's thread, for the chain the compactor last adopted.
 */
final class SegmentThinner {

	// Logs under the compactor's name, as before it had a class of its own, so that logging set up for it still applies.
	private static final Logger logger = LoggerFactory.getLogger(SegmentCompactor.class);

	/** Most objects one pass deletes. */
	static final int MAX_DELETES_PER_PASS = 64;

	/** How often thinning looks for objects old enough to go, at most. */
	private static final Duration THIN_EVERY = Duration.ofSeconds(30);

	private final EngineContext context;

	private final String database;

	private final CompactionLevels levels;

	private final ChainHeadKeeper heads;

	private final ChainIndex index;

	/** The chain {@link #deletedBelow} is about. */
	private @Nullable String chainId;

	/** Per level, the sequence below which this process deleted what thinning let go. */
	private final Map<Integer, Long> deletedBelow = new HashMap<>();

	private @Nullable Instant thinnedAt;

	/** When blocks this process built or read were captured, by id, so that idle thinning asks the store nothing. */
	private final Map<String, Instant> blockTimes = new java.util.LinkedHashMap<>(16, 0.75f, true) {

		@Override
		protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
			return size() > 256;
		}

	};

	private @Nullable String coveredId;

	SegmentThinner(EngineContext context, String database, ChainHeadKeeper heads, ChainIndex index) {
		this.context = context;
		this.database = database;
		this.levels = context.options().compaction();
		this.heads = heads;
		this.index = index;
	}

	/** Starts keeping track of a chain: what its head says is thinned was deleted before. */
	void adopt(ChainHead head) {
		this.chainId = head.chainId();
		this.deletedBelow.clear();
		this.blockTimes.clear();
		for (int level = 0; level <= this.levels.top(); level++) {
			this.deletedBelow.put(level, keptFrom(head, level));
		}
	}

	/** Remembers when a block this process built was captured. */
	void built(Segment block) {
		this.blockTimes.put(block.id(), block.capturedAt());
	}

	/**
	 * Moves each level's {@code keptFrom} past what the next level covers and is older than the
	 * level keeps (reading a block manifest or two for their instants, now and then), then
	 * deletes, in bounded steps, what a written head already says is thinned.
	 * @param head the current head of the adopted chain
	 */
	void thin(ChainHead head) {
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
					this.database, head.chainId(), Messages.describe(ex));
		}
	}

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
