package dev.sqlitebackup.pointintime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupVerificationException;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.Gap;
import dev.sqlitebackup.PointInTimeNotCoveredException;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;

/**
 * Plans a restore to a point in time from the segment manifests alone: which chain covers the
 * instant, which of its snapshots to start from, which segments follow, and whether they form an
 * unbroken sequence; and the window of instants a restore can reach.
 */
final class PointInTimePlanner {

	private static final Logger logger = LoggerFactory.getLogger(PointInTimePlanner.class);

	private final EngineContext context;

	private final ChainIndex index;

	PointInTimePlanner(EngineContext context) {
		this.context = context;
		this.index = new ChainIndex(context);
	}

	/**
	 * The chain that covers the instant ({@link ChainHistory#covering}), or the latest one; the
	 * newest of its snapshots at or before the instant whose backup is still in the store; and the
	 * segments after that snapshot up to the last captured at or before the instant. An instant
	 * outside the window, or in one of its gaps, is refused naming them. Every segment from the
	 * snapshot to there must be present and each must follow its predecessor: a plan with a hole is
	 * refused.
	 * @param live the chain a running capture extends and up to when, {@code null} when none
	 */
	Plan plan(String database, @Nullable Instant pointInTime, ChainHistory.@Nullable Live live) {
		Map<String, Backup> stored = new HashMap<>();
		this.context.list(database).forEach((backup) -> stored.put(backup.id(), backup));
		ChainHistory history = this.index.history(database, stored::containsKey);
		RestoreWindow window = history.window(live);
		if (window == null) {
			throw new PointInTimeNotCoveredException(database, "Database '" + database
					+ "' has no continuous backup to restore from" + (history.chains().isEmpty() ? ""
							: " (only chains whose snapshots are gone)"));
		}
		if (pointInTime != null && !window.covers(pointInTime)) {
			Gap gap = window.gapAt(pointInTime).orElse(null);
			throw new PointInTimeNotCoveredException(database, "No continuous backup of database '" + database
					+ "' covers " + pointInTime + ((gap != null) ? ": it falls in a gap from " + gap.from() + " to "
							+ gap.to() + " (" + gap.reason() + "), in which commits carry no instant of their own; the "
							+ "nearest covered instants are " + gap.from() + " and " + gap.to() : "")
					+ "; the restore window is " + window.describe());
		}
		ChainHistory.Chain latest = history.latest();
		ChainHistory.Chain covering = (pointInTime != null) ? history.covering(pointInTime, live) : latest;
		if (covering == null) {
			throw new PointInTimeNotCoveredException(database, "No continuous backup of database '" + database
					+ "' covers " + pointInTime + "; the restore window is " + window.describe());
		}
		ChainHistory.Chain newestKnown = history.newestKnown();
		if (pointInTime == null && newestKnown != null && newestKnown != covering && newestKnown.missingTail() != null) {
			throw refusedPlan(database, "its latest state cannot be restored: " + newestKnown.missingTail()
					+ "; a restore to an instant gets what the store still holds");
		}
		if (pointInTime == null && covering.missingTail() != null) {
			throw refusedPlan(database, "its latest state cannot be restored: " + covering.missingTail()
					+ "; a restore to an instant at or before " + covering.newestPresent().capturedAt()
					+ " gets what the store still holds");
		}
		ChainHead.Snapshot start = startOf(database, covering, pointInTime, stored);
		// Read by id from the snapshot on, so that a restore reads only what it applies.
		List<Segment> read = walk(database, covering, start.sequence(), pointInTime);
		List<Segment> planned = new ArrayList<>();
		for (Segment segment : read) {
			// Checked first, so that whoever can write to the store cannot steer the rest of the plan.
			String refusal = this.context.authenticity().refusal(segment);
			if (refusal != null) {
				throw refusedPlan(database, "segment " + segment.id() + " is refused: " + refusal);
			}
			if (!planned.isEmpty()) {
				requireFollows(database, planned.get(planned.size() - 1), segment);
			}
			planned.add(segment);
		}
		if (planned.isEmpty()) {
			throw missing(database, covering.id(), start.sequence());
		}
		if (!planned.get(0).isSnapshot() || !planned.get(0).baseBackupId().equals(start.backupId())) {
			throw refusedPlan(database, "segment " + start.sequence() + " of chain " + covering.id()
					+ " does not name the snapshot its head record says it does");
		}
		boolean newest = latest != null && latest.id().equals(covering.id())
				&& planned.get(planned.size() - 1).sequence() >= latest.newestSequence();
		return new Plan(planned, stored.get(start.backupId()), newest);
	}

	/**
	 * The snapshot segment, then what follows it up to the instant (or the chain's end): at each
	 * step the largest block the head records that holds the next sequence and was captured at or
	 * before the instant (a block applied onto any state inside its range gives the state at its
	 * end), else the segments themselves. The reading stops at a segment captured after the
	 * instant, at the chain's end, or, for an instant, where compaction thinned the segments out
	 * (the restore reaches the last point kept before it); anything else missing is a hole.
	 */
	private List<Segment> walk(String database, ChainHistory.Chain chain, long from, @Nullable Instant pointInTime) {
		ChainHead head = chain.head();
		CompactionLevels levels = this.context.options().compaction();
		List<Segment> items = new ArrayList<>();
		items.add(this.index.find(database, chain.id(), from).orElseThrow(() -> missing(database, chain.id(), from)));
		long at = from;
		long newest = chain.newestSequence();
		while (at < newest) {
			Segment block = block(database, head, levels, at, pointInTime);
			if (block != null) {
				items.add(block);
				at = block.sequence();
				continue;
			}
			// Blocks may take over again after the level-1 block this sequence is in.
			long runEnd = newest;
			ChainHead.Level one = head.level(1);
			if (levels.enabled() && one != null) {
				long end = levels.blockEnd(1, levels.blockStart(1, at + 1));
				runEnd = (end <= one.through()) ? end : newest;
			}
			List<Segment> run = this.index.segments(database, chain.id(), at + 1, runEnd,
					(segment) -> this.context.authenticity().refusal(segment) != null || atOrBefore(segment, pointInTime));
			items.addAll(run);
			at += run.size();
			if (at < runEnd) {
				long next = at + 1;
				if (this.index.find(database, chain.id(), next).isPresent()) {
					break;
				}
				ChainHead.Level raw = head.level(0);
				if (pointInTime != null && raw != null && next < raw.keptFrom()) {
					logger.info("Database '{}': the segments of chain {} after sequence {} were thinned out by compaction; "
							+ "the restore reaches the last point kept at or before {}", database, chain.id(), at,
							pointInTime);
					break;
				}
				throw missing(database, chain.id(), next);
			}
		}
		return items;
	}

	/** The largest block the head records that holds the sequence after {@code at} and ends at or before the instant. */
	private @Nullable Segment block(String database, ChainHead head, CompactionLevels levels, long at,
			@Nullable Instant pointInTime) {
		for (int level = levels.top(); level >= 1; level--) {
			ChainHead.Level held = head.level(level);
			if (held == null) {
				continue;
			}
			long start = levels.blockStart(level, at + 1);
			if (start < held.keptFrom() || levels.blockEnd(level, start) > held.through()) {
				continue;
			}
			Segment block = this.index.findBlock(database, head.chainId(), level, start).orElse(null);
			if (block == null) {
				logger.warn("Database '{}': block {} the head of chain {} records is not in the store; reading the "
						+ "level below instead", database, Segment.blockIdOf(head.chainId(), level, start), head.chainId());
				continue;
			}
			if (atOrBefore(block, pointInTime)) {
				return block;
			}
		}
		return null;
	}

	private static BackupVerificationException missing(String database, String chainId, long sequence) {
		return refusedPlan(database, "segment " + sequence + " of chain " + chainId
				+ " is missing, so the restore plan would have a gap");
	}

	private static boolean atOrBefore(Segment segment, @Nullable Instant pointInTime) {
		return pointInTime == null || !segment.capturedAt().isAfter(pointInTime);
	}

	/**
	 * The newest snapshot of the chain at or before the instant whose backup is in the store: the
	 * fewer segments after it, the faster the restore. An older one is used when retention or a
	 * person deleted a newer one's backup.
	 */
	private static ChainHead.Snapshot startOf(String database, ChainHistory.Chain chain, @Nullable Instant pointInTime,
			Map<String, Backup> stored) {
		List<ChainHead.Snapshot> snapshots = chain.head()
			.snapshots()
			.stream()
			.filter((snapshot) -> pointInTime == null || !snapshot.capturedAt().isAfter(pointInTime))
			.toList();
		for (int index = snapshots.size() - 1; index >= 0; index--) {
			if (stored.containsKey(snapshots.get(index).backupId())) {
				return snapshots.get(index);
			}
		}
		if (snapshots.isEmpty()) {
			throw refusedPlan(database, "chain " + chain.id() + " has no snapshot at or before " + pointInTime);
		}
		ChainHead.Snapshot oldest = snapshots.get(0);
		throw refusedPlan(database, "the snapshot its chain starts from, backup " + oldest.backupId()
				+ ", is no longer in the store" + ((snapshots.size() > 1) ? " (nor are the chain's later snapshots)" : ""));
	}

	/** Whether {@code next} continues {@code previous}: same chain and snapshot, and the next frames of the WAL. */
	private static void requireFollows(String database, Segment previous, Segment next) {
		String problem = null;
		if (next.isCompacted() || previous.isCompacted()) {
			problem = blockProblem(previous, next);
		}
		else if (!next.previousSha256().equals(previous.plainSha256())
				|| (!next.isSnapshot() && !next.baseBackupId().equals(previous.baseBackupId()))) {
			problem = "does not follow segment " + previous.sequence() + " (it names other frames before it)";
		}
		else if (next.isSnapshot() && next.frameCount() != 0) {
			problem = "names a snapshot but carries frames";
		}
		else if (next.capturedAt().isBefore(previous.capturedAt())) {
			problem = "was captured before segment " + previous.sequence();
		}
		else if (next.pageSize() != previous.pageSize()) {
			problem = "has another page size than segment " + previous.sequence();
		}
		else if (next.salt1() == previous.salt1() && next.salt2() == previous.salt2()
				&& previous.walSequence() >= 0) {
			if (next.startOffset() != previous.endOffset() || next.checksumIn() != previous.checksumOut()) {
				problem = "does not start where segment " + previous.sequence() + " ends in the WAL";
			}
		}
		else if (next.startOffset() != WalFrames.HEADER_SIZE) {
			problem = "does not start at the beginning of the restarted WAL";
		}
		if (problem != null) {
			throw refusedPlan(database, "segment " + next.sequence() + " of chain " + next.chainId() + " " + problem);
		}
	}

	/**
	 * What does not hold between a block and what it follows or precedes: the block was checked
	 * link by link when it was built, so here it must hold the sequence after its predecessor and
	 * name its frames when it starts right after it.
	 */
	private static @Nullable String blockProblem(Segment previous, Segment next) {
		if (!next.chainId().equals(previous.chainId()) || next.fromSequence() > previous.sequence() + 1
				|| next.sequence() <= previous.sequence()) {
			return "does not hold the sequence after segment " + previous.sequence();
		}
		if (next.fromSequence() == previous.sequence() + 1 && !next.previousSha256().equals(previous.chainSha256())) {
			return "does not follow segment " + previous.sequence() + " (it names other frames before it)";
		}
		if (next.capturedAt().isBefore(previous.capturedAt())) {
			return "was captured before segment " + previous.sequence();
		}
		if (next.pageSize() != previous.pageSize()) {
			return "has another page size than segment " + previous.sequence();
		}
		return null;
	}

	/** A plan that must not be applied, with the reason; nothing live was touched. */
	static BackupVerificationException refusedPlan(String database, String reason) {
		return new BackupVerificationException(database, null, "Database '" + database
				+ "' cannot be restored to a point in time: " + reason + "; the live database was not changed");
	}

	/**
	 * The restore window with its gaps and chains, or {@code null} when no chain has a snapshot
	 * whose backup is stored. Only a look at the manifests: whether every segment is sound is found
	 * out by a restore.
	 * @param live the chain a running capture extends and up to when, {@code null} when none
	 */
	@Nullable RestoreWindow window(String database, ChainHistory.@Nullable Live live) {
		Set<String> stored = new HashSet<>();
		this.context.list(database).forEach((backup) -> stored.add(backup.id()));
		return this.index.history(database, stored::contains).window(live);
	}

	/**
	 * The segments of one chain a restore applies, from the snapshot it starts from on.
	 *
	 * @param segments the snapshot segment the plan starts from, then the segments after it
	 * @param base the backup that snapshot segment names, as the store listed it
	 * @param latest whether the plan ends at the newest captured point of the newest chain
	 */
	record Plan(List<Segment> segments, Backup base, boolean latest) {

		Segment start() {
			return this.segments.get(0);
		}

		Segment last() {
			return this.segments.get(this.segments.size() - 1);
		}

	}
}
