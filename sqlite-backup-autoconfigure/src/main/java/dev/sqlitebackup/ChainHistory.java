package dev.sqlitebackup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * The chains of one database's continuous backup and the rules that relate them, written down
 * once for the planner, retention and the listings.
 * <p>
 * A chain is a snapshot and the segments after it, in sequence order; within a chain instants
 * never go backwards. Each chain names its parent: the point of an earlier chain its snapshot
 * follows (the chain the same process extended before, the point a restore brought the database
 * to, or the newest point in the store when a process starts). Chains are ordered by what they
 * captured, never by when they started: a chain that follows another's last point is newer than
 * it, whatever the clocks said; otherwise the one whose newest segment was captured later is
 * newer (a second instance that started a chain and died leaves a chain that the one still
 * capturing overtakes). "Latest" is the newest point of the newest chain.
 */
final class ChainHistory {

	private final Map<String, Chain> chains;

	private ChainHistory(Map<String, Chain> chains) {
		this.chains = chains;
	}

	/** The history the segments of one database describe, in any order. */
	static ChainHistory of(List<Segment> segments) {
		Map<String, List<Segment>> byChain = new LinkedHashMap<>();
		segments.stream()
			.sorted(Comparator.comparing(Segment::chainId).thenComparingLong(Segment::sequence))
			.forEach((segment) -> byChain.computeIfAbsent(segment.chainId(), (id) -> new ArrayList<>()).add(segment));
		Map<String, Chain> chains = new LinkedHashMap<>();
		byChain.forEach((id, chain) -> chains.put(id, new Chain(id, List.copyOf(chain))));
		return new ChainHistory(chains);
	}

	/** Every chain, in the order of their ids. */
	List<Chain> chains() {
		return List.copyOf(this.chains.values());
	}

	/** The chain with the newest captured state among those a restore can start from, or {@code null}. */
	@Nullable Chain latest() {
		Chain latest = null;
		for (Chain chain : this.chains.values()) {
			if (chain.hasSnapshot()) {
				latest = (latest == null) ? chain : newer(latest, chain);
			}
		}
		return latest;
	}

	/**
	 * The chain a restore to an instant uses: of the chains with a snapshot at or before it, the
	 * newest one the latest chain descends from (itself included), so that a chain a dead second
	 * instance left is not used while the one that went on covers the instant; else the newest.
	 */
	@Nullable Chain covering(Instant pointInTime) {
		List<Chain> candidates = this.chains.values()
			.stream()
			.filter((chain) -> chain.segments().stream()
				.anyMatch((segment) -> segment.isSnapshot() && !segment.capturedAt().isAfter(pointInTime)))
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

	/** Of two chains, the one whose captured state is newer (see the class comment). */
	Chain newer(Chain one, Chain other) {
		if (continues(other, one)) {
			return other;
		}
		if (continues(one, other)) {
			return one;
		}
		int byInstant = one.newest().capturedAt().compareTo(other.newest().capturedAt());
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
				return parent.sequence() >= ancestor.newest().sequence();
			}
			current = this.chains.get(parent.chainId());
		}
		return false;
	}

	/**
	 * One chain as the store holds it.
	 *
	 * @param id id of the chain
	 * @param segments its segments in sequence order (retention may have removed its first ones)
	 */
	record Chain(String id, List<Segment> segments) {

		/** Its newest segment. */
		Segment newest() {
			return this.segments.get(this.segments.size() - 1);
		}

		/** Its first segment, the anchor when retention left it. */
		Segment first() {
			return this.segments.get(0);
		}

		/** The point its snapshot follows, {@code null} when none or when its anchor is gone. */
		@Nullable ChainPoint parent() {
			return first().isAnchor() ? first().parent() : null;
		}

		/** Why it started, {@code null} when not recorded. */
		@Nullable String startReason() {
			return first().isAnchor() ? first().startReason() : null;
		}

		boolean hasSnapshot() {
			return this.segments.stream().anyMatch(Segment::isSnapshot);
		}

	}

}
