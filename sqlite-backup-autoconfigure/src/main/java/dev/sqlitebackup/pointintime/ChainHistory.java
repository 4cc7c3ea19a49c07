package dev.sqlitebackup.pointintime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.Gap;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.RestoreWindow.ChainSummary;
import dev.sqlitebackup.Segment;

/**
 * The chains of one database's continuous backup and the rules that relate them, written down
 * once for the planner, retention, the listings and the capture.
 * <p>
 * A chain is a snapshot and the segments after it, in sequence order; within a chain instants
 * never go backwards. A chain can be restored from its oldest snapshot whose backup is still
 * stored. Each chain names its parent: the point of an earlier chain its snapshot follows (the
 * chain the same process extended before, the point a restore brought the database to, or the
 * newest point in the store when a process starts). Chains are ordered by what they captured,
 * never by when they started: a chain that follows another's last point is newer than it,
 * whatever the clocks said; otherwise the one whose newest segment was captured later is newer (a
 * second instance that started a chain and died leaves a chain that the one still capturing
 * overtakes). "Latest" is the newest point of the newest chain.
 * <p>
 * A chain covers the instants from its usable snapshot to its newest capture, less the gaps its
 * segments record (passes that failed or did not run); the restore window is the union of what the
 * chains cover, and whatever lies between is a gap.
 */
public final class ChainHistory {

	/** How the start reason of a chain that a restore began begins. */
	public static final String RESTORED_REASON = "the database was restored to ";

	private final Map<String, Chain> chains;

	private ChainHistory(Map<String, Chain> chains) {
		this.chains = chains;
	}

	/**
	 * The history of one database's chains, as the index read them.
	 * @param backupStored whether the backup with this id is still in the store
	 */
	static ChainHistory of(List<ChainIndex.IndexedChain> indexed, Predicate<String> backupStored) {
		Map<String, Chain> chains = new LinkedHashMap<>();
		indexed.stream()
			.sorted(Comparator.comparing((ChainIndex.IndexedChain chain) -> chain.head().chainId()))
			.forEach((chain) -> {
				ChainHead.Snapshot usable = chain.head()
					.snapshots()
					.stream()
					.filter((snapshot) -> chain.newestPresent() != null
							&& snapshot.sequence() <= chain.newestPresent().sequence()
							&& backupStored.test(snapshot.backupId()))
					.findFirst()
					.orElse(null);
				chains.put(chain.head().chainId(), new Chain(chain.head(), chain.newestPresent(), usable, null));
			});
		return new ChainHistory(restoredOnto(chains));
	}

	/**
	 * The chains with, for each whose newest point a restore brought the database back to, when the
	 * chain that went on from there started: until then that point is the database's state, so the
	 * time between is no gap (a chain that follows another's newest point for any other reason, a
	 * restart after an outside writer say, does not vouch for that time).
	 */
	private static Map<String, Chain> restoredOnto(Map<String, Chain> chains) {
		Map<String, Chain> result = new LinkedHashMap<>(chains);
		for (Chain child : chains.values()) {
			ChainPoint parent = child.parent();
			String reason = child.startReason();
			Chain restored = (parent != null) ? chains.get(parent.chainId()) : null;
			if (restored == null || !child.isRestorable() || reason == null || !reason.startsWith(RESTORED_REASON)
					|| parent.sequence() < restored.newestSequence() || restored.missingTail() != null) {
				continue;
			}
			Chain current = result.get(restored.id());
			Instant start = child.start();
			if (current.restoredOnto() == null || start.isBefore(current.restoredOnto())) {
				result.put(restored.id(), new Chain(current.head(), current.newestPresent(), current.usable(), start));
			}
		}
		return result;
	}

	/** Every chain, in the order of their ids. */
	public List<Chain> chains() {
		return List.copyOf(this.chains.values());
	}

	/** The chain with the newest captured state among those a restore can start from, or {@code null}. */
	public @Nullable Chain latest() {
		Chain latest = null;
		for (Chain chain : this.chains.values()) {
			if (chain.isRestorable()) {
				latest = (latest == null) ? chain : newer(latest, chain);
			}
		}
		return latest;
	}

	/**
	 * The chain with the newest captured state among all the store knows of, those whose segments
	 * are gone included: when it is not {@link #latest()}, the newest state cannot be restored.
	 */
	@Nullable Chain newestKnown() {
		Chain newest = null;
		for (Chain chain : this.chains.values()) {
			if (chain.isRestorable() || chain.missingTail() != null) {
				newest = (newest == null) ? chain : newer(newest, chain);
			}
		}
		return newest;
	}

	/**
	 * The chain a restore to an instant uses: of the chains that cover it, the newest one the
	 * latest chain descends from (itself included), so that a chain a dead second instance left is
	 * not used while the one that went on covers the instant; else the newest.
	 * @param live the chain a running capture extends and up to when, {@code null} when none
	 */
	@Nullable Chain covering(Instant pointInTime, @Nullable Live live) {
		List<Chain> candidates = this.chains.values()
			.stream()
			.filter((chain) -> chain.covers(pointInTime, live))
			.toList();
		for (Chain chain : lineage()) {
			if (candidates.contains(chain)) {
				return chain;
			}
		}
		Chain newest = null;
		for (Chain chain : candidates) {
			newest = (newest == null) ? chain : newer(newest, chain);
		}
		return newest;
	}

	/** The latest chain, then its parent, and so on while the store holds them. */
	List<Chain> lineage() {
		List<Chain> lineage = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		Chain chain = latest();
		while (chain != null && seen.add(chain.id())) {
			lineage.add(chain);
			ChainPoint parent = chain.parent();
			chain = (parent != null) ? this.chains.get(parent.chainId()) : null;
		}
		return lineage;
	}

	/**
	 * The restore window: from the oldest usable snapshot to the newest capture, with the gaps
	 * no chain covers; {@code null} when no chain can be restored from.
	 * @param live the chain a running capture extends and up to when, {@code null} when none
	 */
	@Nullable RestoreWindow window(@Nullable Live live) {
		List<Chain> restorable = this.chains.values().stream().filter(Chain::isRestorable).toList();
		if (restorable.isEmpty()) {
			return null;
		}
		Chain latest = latest();
		List<ChainSummary> summaries = new ArrayList<>();
		List<Instant[]> covered = new ArrayList<>();
		for (Chain chain : restorable) {
			Instant start = chain.start();
			Instant end = chain.end(live);
			summaries.add(new ChainSummary(chain.id(), start, end, chain.parent(), chain.startReason(), chain == latest));
			Instant from = start;
			for (Gap gap : chain.gaps()) {
				if (gap.from().isAfter(from)) {
					covered.add(new Instant[] { from, gap.from() });
				}
				if (gap.to().isAfter(from)) {
					from = gap.to();
				}
			}
			covered.add(new Instant[] { from, end });
			ChainHead head = chain.head();
			if (chain.missingTail() != null && head.newestCapturedAt().isAfter(end)) {
				// Its head says it reached further: the window reaches there, and the cut-off stretch is a gap.
				covered.add(new Instant[] { head.newestCapturedAt(), head.newestCapturedAt() });
			}
		}
		for (Chain chain : this.chains.values()) {
			if (!chain.isRestorable() && chain.newestPresent() == null && chain.missingTail() != null) {
				// A chain whose every segment is gone while its head remains: the time it covered is a gap.
				covered.add(new Instant[] { chain.head().newestCapturedAt(), chain.head().newestCapturedAt() });
			}
		}
		summaries.sort(Comparator.comparing(ChainSummary::start).thenComparing(ChainSummary::id));
		covered.sort(Comparator.comparing((Instant[] stretch) -> stretch[0]));
		Instant from = covered.get(0)[0];
		Instant to = from;
		List<Gap> gaps = new ArrayList<>();
		for (Instant[] stretch : covered) {
			if (stretch[0].isAfter(to)) {
				gaps.add(new Gap(to, stretch[0], reasonOfGap(to, stretch[0])));
			}
			if (stretch[1].isAfter(to)) {
				to = stretch[1];
			}
		}
		return new RestoreWindow(from, to, gaps, summaries);
	}

	/** What a gap is put down to: the reason a chain recorded for it, or the start of the chain after it. */
	private String reasonOfGap(Instant from, Instant to) {
		for (Chain chain : this.chains.values()) {
			if (chain.missingTail() != null && (chain.newestPresent() == null
					|| !chain.newestPresent().capturedAt().isAfter(from)) && !chain.head().newestCapturedAt().isBefore(to)) {
				return chain.missingTail();
			}
		}
		for (Chain chain : this.chains.values()) {
			for (Gap gap : chain.gaps()) {
				if (!gap.to().isBefore(to) && !gap.from().isAfter(from)) {
					return gap.reason();
				}
			}
		}
		for (Chain chain : this.chains.values()) {
			if (chain.isRestorable() && chain.start().equals(to)) {
				return "no capture ran until chain " + chain.id() + " started"
						+ ((chain.startReason() != null) ? " (" + chain.startReason() + ")" : "");
			}
		}
		return "no capture ran";
	}

	/** Of two chains, the one whose captured state is newer (see the class comment). */
	Chain newer(Chain one, Chain other) {
		if (continues(other, one)) {
			return other;
		}
		if (continues(one, other)) {
			return one;
		}
		int byInstant = one.newestCapturedAt().compareTo(other.newestCapturedAt());
		if (byInstant != 0) {
			return (byInstant > 0) ? one : other;
		}
		return (one.id().compareTo(other.id()) >= 0) ? one : other;
	}

	/**
	 * Whether {@code chain} descends from {@code ancestor} through parents, from a point at or
	 * after everything {@code ancestor} holds: nothing was captured on {@code ancestor} after the
	 * descendant branched off.
	 */
	private boolean continues(Chain chain, Chain ancestor) {
		Set<String> seen = new HashSet<>();
		Chain current = chain;
		while (current != null && seen.add(current.id())) {
			ChainPoint parent = current.parent();
			if (parent == null) {
				return false;
			}
			if (parent.chainId().equals(ancestor.id())) {
				return parent.sequence() >= ancestor.newestSequence();
			}
			current = this.chains.get(parent.chainId());
		}
		return false;
	}

	/**
	 * The chain a running capture extends and the instant of its last pass that found everything
	 * shipped: the store cannot know that the chain covers the instants since its newest segment.
	 *
	 * @param chainId id of the chain
	 * @param until the instant of that pass
	 */
	public record Live(String chainId, Instant until) {
	}

	/**
	 * One chain as the store holds it.
	 *
	 * @param head its head record, brought up to date with the store
	 * @param newestPresent its newest segment still in the store, {@code null} when none is left
	 * @param usable its oldest snapshot whose backup is still stored, {@code null} when none is
	 * @param restoredOnto when the chain started that a restore to its newest point began, {@code null} when none
	 */
	public record Chain(ChainHead head, @Nullable Segment newestPresent, ChainHead.@Nullable Snapshot usable,
			@Nullable Instant restoredOnto) {

		public String id() {
			return this.head.chainId();
		}

		/** The sequence it reached, as its head says. */
		public long newestSequence() {
			return (this.newestPresent == null) ? this.head.newestSequence()
					: Math.max(this.head.newestSequence(), this.newestPresent.sequence());
		}

		/** When it reached that. */
		public Instant newestCapturedAt() {
			if (this.newestPresent == null) {
				return this.head.newestCapturedAt();
			}
			Instant present = this.newestPresent.capturedAt();
			return this.head.newestCapturedAt().isAfter(present) ? this.head.newestCapturedAt() : present;
		}

		/** The newest point it reached, as its head says. */
		public ChainPoint newestPoint() {
			return new ChainPoint(id(), newestSequence(), newestCapturedAt());
		}

		/** Its snapshots a restore can start from: those whose backup is stored, oldest first. */
		public List<ChainHead.Snapshot> snapshots(Predicate<String> backupStored) {
			return this.head.snapshots()
				.stream()
				.filter((snapshot) -> this.newestPresent != null && snapshot.sequence() <= this.newestPresent.sequence()
						&& backupStored.test(snapshot.backupId()))
				.toList();
		}

		/**
		 * Why its newest segments are missing, when its head record says it reached further than the
		 * segments the store holds (they were deleted, or lost); {@code null} when nothing is missing.
		 */
		@Nullable String missingTail() {
			if (this.newestPresent != null && this.head.newestSequence() <= this.newestPresent.sequence()) {
				return null;
			}
			long from = (this.newestPresent != null) ? this.newestPresent.sequence() + 1
					: (this.head.snapshots().isEmpty() ? 0 : this.head.snapshots().get(0).sequence());
			return "segments " + from + " to " + this.head.newestSequence() + " of chain "
					+ id() + " are missing from the store: its head record says it reached segment "
					+ this.head.newestSequence() + ", captured at " + this.head.newestCapturedAt();
		}

		/** Whether a restore can start from one of its snapshots. */
		boolean isRestorable() {
			return this.usable != null;
		}

		/** The first instant it covers: its oldest usable snapshot's. */
		Instant start() {
			if (this.usable == null) {
				throw new IllegalStateException("Chain " + id() + " has no usable snapshot");
			}
			return this.usable.capturedAt();
		}

		/**
		 * The last instant it covers: its newest capture; or, when nothing is missing, the last pass
		 * its head record or a running capture vouches for.
		 */
		Instant end(@Nullable Live live) {
			Instant end = (this.newestPresent != null) ? this.newestPresent.capturedAt() : this.head.newestCapturedAt();
			if (missingTail() == null && this.head.aliveUntil().isAfter(end)) {
				end = this.head.aliveUntil();
			}
			if (missingTail() == null && this.restoredOnto != null && this.restoredOnto.isAfter(end)) {
				end = this.restoredOnto;
			}
			return (live != null && live.chainId().equals(id()) && live.until().isAfter(end)) ? live.until() : end;
		}

		/** The gaps its segments record, after its usable snapshot, oldest first. */
		List<Gap> gaps() {
			if (this.usable == null) {
				return List.of();
			}
			Instant start = this.usable.capturedAt();
			return this.head.gaps().stream().filter((gap) -> gap.to().isAfter(start)).toList();
		}

		/** Whether a restore to the instant can use this chain. */
		boolean covers(Instant instant, @Nullable Live live) {
			return isRestorable() && !instant.isBefore(start()) && !instant.isAfter(end(live))
					&& gaps().stream().noneMatch((gap) -> gap.contains(instant));
		}

		/** The point its snapshot follows, {@code null} when none. */
		@Nullable ChainPoint parent() {
			return this.head.parent();
		}

		/** Why it started, {@code null} when not recorded. */
		@Nullable String startReason() {
			return this.head.startReason();
		}

	}

}
