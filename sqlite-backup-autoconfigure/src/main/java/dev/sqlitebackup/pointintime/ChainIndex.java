package dev.sqlitebackup.pointintime;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupAuthenticity;
import dev.sqlitebackup.BackupListingException;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.ReadAhead;

/**
 * Reads the continuous backup chains of a database through their head records, so that listings,
 * health, retention and a capture's start read one small record and a segment or two per chain,
 * whatever the number of segments; and reads the segments a restore applies by their ids.
 * <p>
 * Each head is checked against the store: segments published after it was last written (a crash in
 * between) are read and added, and the newest segment it names must be there (when not, the chain's
 * tail was cut off, which the history then shows). A store whose chains predate head records gets
 * them rebuilt once from a listing of its segments. With a key configured only heads and chains
 * that pass authentication are believed.
 */
public final class ChainIndex {

	private static final Logger logger = LoggerFactory.getLogger(ChainIndex.class);

	/** Most segments read past a head, or looked for below a missing newest one, per chain. */
	private static final int MAX_PROBES = 10_000;

	/** Fenced tails already reported, so that the WARN is said once per chain and point. */
	private static final Set<String> fencedChains = ConcurrentHashMap.newKeySet();

	private final EngineContext context;

	private final BackupStore store;

	public ChainIndex(EngineContext context) {
		this.context = context;
		this.store = context.store();
	}

	/**
	 * The history of a database's chains.
	 * @param backupStored whether the backup with this id is still in the store
	 */
	public ChainHistory history(String database, Predicate<String> backupStored) {
		return ChainHistory.of(chains(database), backupStored);
	}

	/** Each chain's head, brought up to date with the store, and its newest segment still there. */
	public List<IndexedChain> chains(String database) {
		Map<String, ChainHead> all = this.context.fromStore(database, () -> this.store.listChainHeads(database));
		Map<String, ChainHead> heads = trustedHeads(database, all);
		// A head that cannot be believed is rebuilt from its chain's segments, so that whoever can write
		// to the store cannot hide a chain by spoiling its head.
		if (heads.size() < all.size() || !this.context.fromStore(database, () -> this.store.chainHeadsComplete(database))) {
			rebuild(database, heads);
		}
		List<IndexedChain> chains = new ArrayList<>();
		for (ChainHead head : heads.values()) {
			chains.add(check(database, head));
		}
		return fenced(database, chains);
	}

	/**
	 * The chains with what fenced writers published taken out: when a chain's holder took the
	 * store's lease under a higher epoch and went on from a point of an older chain, whatever the
	 * older chain shows after that point was published by a writer that had lost the lease (a
	 * process paused past it that woke up), and a restore never uses it. Said once per chain.
	 */
	private List<IndexedChain> fenced(String database, List<IndexedChain> chains) {
		Map<String, IndexedChain> byId = new LinkedHashMap<>();
		chains.forEach((chain) -> byId.put(chain.head().chainId(), chain));
		for (IndexedChain child : chains) {
			ChainPoint parent = child.head().parent();
			IndexedChain older = (parent != null) ? byId.get(parent.chainId()) : null;
			if (older == null || child.newestPresent() == null || older.newestPresent() == null) {
				continue;
			}
			long childEpoch = child.newestPresent().epoch();
			long olderEpoch = older.newestPresent().epoch();
			if (childEpoch <= olderEpoch || older.head().newestSequence() <= parent.sequence()) {
				continue;
			}
			Optional<Segment> at = find(database, older.head().chainId(), parent.sequence());
			if (at.isEmpty()) {
				continue;
			}
			if (fencedChains.add(database + "/" + older.head().chainId() + "/" + parent.sequence())) {
				logger.warn("Segments {} to {} of chain {} of database '{}' were published under lease epoch {} after "
						+ "chain {} took over from segment {} under epoch {}: a writer that had lost the lease published "
						+ "them, and a restore ignores them", parent.sequence() + 1, older.head().newestSequence(),
						older.head().chainId(), database, olderEpoch, child.head().chainId(), parent.sequence(),
						childEpoch);
			}
			byId.put(older.head().chainId(), new IndexedChain(older.head().fencedAt(at.get()), at.get()));
		}
		return new ArrayList<>(byId.values());
	}

	/**
	 * The segments of a chain from one sequence on, read one by one, in order, while they are
	 * there and {@code more} accepts them; the first one missing ends the list (the caller sees the
	 * hole against what it expected).
	 */
	public List<Segment> segments(String database, String chainId, long from, long to, Predicate<Segment> more) {
		List<Segment> segments = new ArrayList<>();
		try (ReadAhead<Optional<Segment>> reads = new ReadAhead<>("sqlite-backup-segments", concurrency(database), from,
				to, (sequence) -> find(database, chainId, sequence), (unused) -> {
				})) {
			while (reads.hasNext()) {
				Optional<Segment> segment = reads.next();
				if (segment.isEmpty() || !more.test(segment.get())) {
					break;
				}
				segments.add(segment.get());
			}
		}
		catch (IOException ex) {
			throw new BackupListingException(database, "Cannot read the segments of chain " + chainId + ": "
					+ Messages.describe(ex), ex);
		}
		return segments;
	}

	/** How many segments are read at once: several from a store that answers each request slowly. */
	private int concurrency(String database) {
		return this.store.billsRequests(database) ? ReadAhead.REMOTE_CONCURRENCY : 1;
	}

	/** One block of compacted segments by its chain, level and first sequence. */
	public Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		return this.context.fromStore(database, () -> this.store.findBlock(database, chainId, level, from));
	}

	/** One segment by its chain and sequence. */
	public Optional<Segment> find(String database, String chainId, long sequence) {
		return this.context.fromStore(database, () -> this.store.findSegment(database, chainId, sequence));
	}

	private Map<String, ChainHead> trustedHeads(String database, Map<String, ChainHead> all) {
		Map<String, ChainHead> heads = new LinkedHashMap<>();
		all.forEach((chainId, head) -> {
			String refusal = this.context.authenticity().refusal(head);
			if (refusal == null) {
				heads.put(chainId, head);
			}
			else {
				logger.warn("Ignoring the head record of chain {} of database '{}': {}", chainId, database, refusal);
			}
		});
		return heads;
	}

	/**
	 * The head brought up to date: segments after the one it names are added; when the one it names
	 * is missing, the last one still there is found.
	 */
	private IndexedChain check(String database, ChainHead head) {
		ChainHead current = head;
		// Most heads are up to date: only a segment found after one is worth reading further ahead.
		Optional<Segment> after = find(database, head.chainId(), head.newestSequence() + 1);
		List<Segment> later = new ArrayList<>();
		if (after.isPresent() && this.context.authenticity().refusal(after.get()) == null) {
			later.add(after.get());
			later.addAll(segments(database, head.chainId(), head.newestSequence() + 2, head.newestSequence() + MAX_PROBES,
					(segment) -> this.context.authenticity().refusal(segment) == null));
		}
		for (Segment segment : later) {
			current = current.after(segment,
					segment.capturedAt().isAfter(current.aliveUntil()) ? segment.capturedAt() : current.aliveUntil());
		}
		long lowest = current.snapshots().isEmpty() ? 0 : current.snapshots().get(0).sequence();
		for (long sequence = current.newestSequence(); sequence >= lowest
				&& current.newestSequence() - sequence < MAX_PROBES; sequence--) {
			Optional<Segment> present = find(database, head.chainId(), sequence);
			if (present.isPresent()) {
				return new IndexedChain(current, present.get());
			}
		}
		// None of its segments is left while its head says it exists: the history shows it as cut off.
		return new IndexedChain(current, null);
	}

	/**
	 * Gives every chain the store holds a head record, from a listing of all its segments: once, for
	 * a store written before heads existed (or whose heads were lost), then marked complete.
	 */
	private void rebuild(String database, Map<String, ChainHead> heads) {
		// Blocks of compacted segments say nothing a head is rebuilt from: their chain's segments do.
		List<Segment> all = this.context.fromStore(database, () -> this.store.listSegments(database))
			.stream()
			.filter((segment) -> !segment.isCompacted())
			.toList();
		if (all.isEmpty() && heads.isEmpty()) {
			// Nothing to be complete about: a store never used for continuous backup gets no marker.
			return;
		}
		Map<String, List<Segment>> byChain = new LinkedHashMap<>();
		trustedChains(this.context.authenticity(), all)
			.stream()
			.sorted(Comparator.comparing(Segment::chainId).thenComparingLong(Segment::sequence))
			.forEach((segment) -> byChain.computeIfAbsent(segment.chainId(), (id) -> new ArrayList<>()).add(segment));
		int rebuilt = 0;
		for (Map.Entry<String, List<Segment>> chain : byChain.entrySet()) {
			ChainHead existing = heads.get(chain.getKey());
			if (existing != null && existing.newestSequence() >= chain.getValue().get(chain.getValue().size() - 1).sequence()) {
				continue;
			}
			ChainHead head = ChainHead.of(chain.getValue());
			heads.put(chain.getKey(), head);
			try {
				this.store.publishChainHead(this.context.authenticity().sign(head));
				rebuilt++;
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Could not write the head record of chain {} of database '{}': {}", chain.getKey(), database,
						Messages.describe(ex));
				return;
			}
		}
		try {
			this.store.markChainHeadsComplete(database);
			if (rebuilt > 0) {
				logger.info("Wrote head records for {} continuous backup chain(s) of database '{}' from their {} "
						+ "segments", rebuilt, database, all.size());
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Could not record that every chain of database '{}' has a head record: {}", database,
					Messages.describe(ex));
		}
	}

	/**
	 * The segments of the chains whose first segment passes authentication: with a key configured,
	 * a chain someone without it planted takes no part in choosing "latest" or the window. A refused
	 * segment inside a trusted chain stays, so that a restore that reaches it refuses, naming it,
	 * instead of silently stopping before it.
	 */
	private static List<Segment> trustedChains(BackupAuthenticity authenticity, List<Segment> all) {
		Map<String, Segment> first = new HashMap<>();
		all.forEach((segment) -> first.merge(segment.chainId(), segment,
				(one, other) -> (one.sequence() <= other.sequence()) ? one : other));
		Set<String> trusted = new HashSet<>();
		first.forEach((chainId, segment) -> {
			if (authenticity.refusal(segment) == null) {
				trusted.add(chainId);
			}
		});
		return all.stream().filter((segment) -> trusted.contains(segment.chainId())).toList();
	}

	/**
	 * A chain as the index knows it.
	 *
	 * @param head its head record, brought up to date with the store
	 * @param newestPresent its newest segment still in the store: the head's newest, unless its tail
	 * was cut off; {@code null} when none is left
	 */
	record IndexedChain(ChainHead head, @Nullable Segment newestPresent) {
	}

}
