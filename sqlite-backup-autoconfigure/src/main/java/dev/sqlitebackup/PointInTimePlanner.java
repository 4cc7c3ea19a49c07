package dev.sqlitebackup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Plans a restore to a point in time from the segment manifests alone: which chain covers the
 * instant, which of its snapshots to start from, which segments follow, and whether they form an
 * unbroken sequence; and the window of instants a restore can reach.
 */
final class PointInTimePlanner {

	private final EngineContext context;

	private final BackupStore store;

	PointInTimePlanner(EngineContext context) {
		this.context = context;
		this.store = context.store();
	}

	/**
	 * The chain that covers the instant (the newest one with a snapshot at or before it), the
	 * newest of its snapshots at or before the instant whose backup is still in the store, and the
	 * segments after that snapshot up to the last captured at or before the instant. Every segment
	 * from the snapshot to there must be present and each must follow its predecessor: a plan with
	 * a gap is refused.
	 */
	Plan plan(String database, @Nullable Instant pointInTime) {
		List<Segment> all = this.context.fromStore(database, () -> this.store.listSegments(database));
		ChainHistory history = ChainHistory.of(all);
		Window window = window(all);
		if (window == null) {
			throw new PointInTimeNotCoveredException(database, "Database '" + database
					+ "' has no continuous backup to restore from" + (all.isEmpty() ? "" : " (only segments of chains "
							+ "whose snapshots are gone)"));
		}
		ChainHistory.Chain latest = history.latest();
		ChainHistory.Chain covering = (pointInTime != null) ? history.covering(pointInTime) : latest;
		List<Segment> chain = (covering != null) ? covering.segments() : null;
		// An instant after the newest capture but not in the future gets the newest captured state;
		// the result says which instant that is.
		if (chain == null || (pointInTime != null && pointInTime.isAfter(this.context.clock().instant()))) {
			throw new PointInTimeNotCoveredException(database, "No continuous backup of database '" + database
					+ "' covers " + pointInTime + "; the restore window is " + window.from() + " to " + window.to());
		}
		Map<String, Backup> stored = new HashMap<>();
		this.context.list(database).forEach((backup) -> stored.put(backup.id(), backup));
		Segment start = startOf(database, chain, pointInTime, stored);
		List<Segment> planned = new ArrayList<>();
		for (Segment segment : chain) {
			if (segment.sequence() < start.sequence()) {
				continue;
			}
			if (segment.sequence() != start.sequence() + planned.size()) {
				throw refusedPlan(database, "segment " + (start.sequence() + planned.size()) + " of chain "
						+ segment.chainId() + " is missing, so the restore plan would have a gap");
			}
			// Checked first, so that whoever can write to the store cannot steer the rest of the plan.
			String refusal = this.context.authenticity().refusal(segment);
			if (refusal != null) {
				throw refusedPlan(database, "segment " + segment.id() + " is refused: " + refusal);
			}
			if (!atOrBefore(segment, pointInTime)) {
				break;
			}
			if (!planned.isEmpty()) {
				requireFollows(database, planned.get(planned.size() - 1), segment);
			}
			planned.add(segment);
		}
		boolean newest = latest != null && planned.get(planned.size() - 1).id().equals(latest.newest().id());
		return new Plan(planned, stored.get(start.baseBackupId()), newest);
	}

	private static boolean atOrBefore(Segment segment, @Nullable Instant pointInTime) {
		return pointInTime == null || !segment.capturedAt().isAfter(pointInTime);
	}

	/**
	 * The newest snapshot of the chain at or before the instant whose backup is in the store: the
	 * fewer segments after it, the faster the restore. An older one is used when retention or a
	 * person deleted a newer one's backup.
	 */
	private static Segment startOf(String database, List<Segment> chain, @Nullable Instant pointInTime,
			Map<String, Backup> stored) {
		List<Segment> snapshots = chain.stream()
			.filter((segment) -> segment.isSnapshot() && atOrBefore(segment, pointInTime))
			.toList();
		for (int index = snapshots.size() - 1; index >= 0; index--) {
			if (stored.containsKey(snapshots.get(index).baseBackupId())) {
				return snapshots.get(index);
			}
		}
		Segment oldest = snapshots.get(0);
		throw refusedPlan(database, "the snapshot its chain starts from, backup " + oldest.baseBackupId()
				+ ", is no longer in the store" + ((snapshots.size() > 1) ? " (nor are the chain's later snapshots)" : ""));
	}

	/** Whether {@code next} continues {@code previous}: same chain and snapshot, and the next frames of the WAL. */
	private static void requireFollows(String database, Segment previous, Segment next) {
		String problem = null;
		if (!next.previousSha256().equals(previous.plainSha256())
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

	/** A plan that must not be applied, with the reason; nothing live was touched. */
	static BackupVerificationException refusedPlan(String database, String reason) {
		return new BackupVerificationException(database, null, "Database '" + database
				+ "' cannot be restored to a point in time: " + reason + "; the live database was not changed");
	}

	/**
	 * From the oldest snapshot of any chain to the newest capture, or {@code null} when no chain has
	 * a snapshot. Only a look at the manifests: whether every segment is sound is found out by a restore.
	 */
	@Nullable Window window(String database) {
		return window(this.context.fromStore(database, () -> this.store.listSegments(database)));
	}

	private static @Nullable Window window(List<Segment> all) {
		Instant from = all.stream().filter(Segment::isSnapshot).map(Segment::capturedAt).min(Comparator.naturalOrder())
			.orElse(null);
		if (from == null) {
			return null;
		}
		Instant to = all.stream().map(Segment::capturedAt).max(Comparator.naturalOrder()).orElse(from);
		return new Window(from, to);
	}

	/** The instants a restore to a point in time can reach. */
	record Window(Instant from, Instant to) {
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
