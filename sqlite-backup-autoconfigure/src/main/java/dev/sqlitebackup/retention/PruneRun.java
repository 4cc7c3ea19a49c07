package dev.sqlitebackup.retention;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupAuthenticity;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.FutureDatedBackups;
import dev.sqlitebackup.RetentionPolicy;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.pointintime.ChainHistory;
import dev.sqlitebackup.pointintime.ChainIndex;

/**
 * One retention run, top to bottom: list, decide what the policy deletes among the trusted
 * backups dated before now, keep the newest verified one, the one just taken and the newest
 * snapshot of the chain continuous backup extends, delete the rest, then the segments
 * that no remaining snapshot needs.
 */
public final class PruneRun {

	private static final Logger logger = LoggerFactory.getLogger(PruneRun.class);

	private final EngineContext context;

	private final BackupStore store;

	private final BackupAuthenticity authenticity;

	private final ChainIndex index;

	public PruneRun(EngineContext context) {
		this.index = new ChainIndex(context);
		this.context = context;
		this.store = context.store();
		this.authenticity = context.authenticity();
	}

	/** Prunes the backups of a database the caller holds; {@code justTaken} is kept whatever the policy says. */
	public List<Backup> run(SqliteDatabase db, RetentionPolicy policy, @Nullable Backup justTaken) {
		List<Backup> backups = this.context.list(db.name());
		Instant now = this.context.clock().instant();
		FutureDatedBackups.warnAbout(backups, now);
		Set<String> alwaysKept = new HashSet<>();
		// The policy keeps future-dated backups itself. The exemption belongs to the newest verified
		// trusted backup before now, which the age limit would delete once backups stopped for a while.
		FutureDatedBackups.datedBefore(backups, now)
			.stream()
			.filter((backup) -> backup.verified() && this.authenticity.counts(backup))
			.findFirst()
			.ifPresent((newestVerified) -> alwaysKept.add(newestVerified.id()));
		if (justTaken != null) {
			alwaysKept.add(justTaken.id());
		}
		Set<String> listed = new HashSet<>();
		backups.forEach((backup) -> listed.add(backup.id()));
		ChainHistory history = this.index.history(db.name(), listed::contains);
		// The chain continuous backup extends now must stay restorable, however old its newest snapshot.
		ChainHistory.Chain latest = history.latest();
		if (latest != null) {
			newestSnapshot(latest, listed).ifPresent(alwaysKept::add);
		}
		// Snapshots taken because a chain started take no place the policy counts: the policy keeps
		// the backups users asked for, and a chain's start stays as long as the kept time needs it.
		// Without any backup users asked for, chain starts are all there is to keep and count.
		boolean anyAskedFor = backups.stream()
			.anyMatch((backup) -> this.authenticity.counts(backup) && backup.trigger() != BackupTrigger.CONTINUOUS);
		List<Backup> toDelete = policy.toDelete(backups, (backup) -> this.authenticity.counts(backup)
				&& (!anyAskedFor || backup.trigger() != BackupTrigger.CONTINUOUS), now);
		keepChainsThatReachIntoWhatIsKept(history, backups, toDelete, listed, alwaysKept, anyAskedFor);
		List<Backup> deleted = new ArrayList<>();
		for (Backup backup : toDelete) {
			if (!alwaysKept.contains(backup.id())) {
				try {
					this.store.delete(backup);
					deleted.add(backup);
				}
				catch (IOException ex) {
					logger.warn("Could not delete backup {} of database '{}' by retention: {}", backup.id(),
							db.name(), Messages.describe(ex));
				}
			}
		}
		if (!deleted.isEmpty()) {
			logger.info("Retention deleted {} backup(s) of database '{}'", deleted.size(), db.name());
		}
		pruneSegments(db, history, backups, deleted);
		return deleted;
	}

	/**
	 * A chain that reaches into the time the kept backups cover (from the oldest of them) keeps a
	 * snapshot to start from: otherwise deleting its start would delete all of it.
	 */
	private void keepChainsThatReachIntoWhatIsKept(ChainHistory history, List<Backup> backups, List<Backup> toDelete,
			Set<String> listed, Set<String> alwaysKept, boolean anyAskedFor) {
		Set<String> remaining = new HashSet<>(listed);
		toDelete.forEach((backup) -> remaining.remove(backup.id()));
		remaining.addAll(alwaysKept);
		java.time.Instant keptFrom = backups.stream()
			.filter((backup) -> remaining.contains(backup.id())
					&& (!anyAskedFor || backup.trigger() != BackupTrigger.CONTINUOUS))
			.map(Backup::createdAt)
			.min(Comparator.naturalOrder())
			.orElse(null);
		for (ChainHistory.Chain chain : history.chains()) {
			boolean restorable = !chain.snapshots(remaining::contains).isEmpty();
			if (!restorable && (keptFrom == null || !chain.newestCapturedAt().isBefore(keptFrom))) {
				newestSnapshot(chain, listed).ifPresent(alwaysKept::add);
			}
		}
	}

	private static java.util.Optional<String> newestSnapshot(ChainHistory.Chain chain, Set<String> listed) {
		List<ChainHead.Snapshot> snapshots = chain.snapshots(listed::contains);
		return snapshots.isEmpty() ? java.util.Optional.empty()
				: java.util.Optional.of(snapshots.get(snapshots.size() - 1).backupId());
	}

	/**
	 * Deletes the segments no restore can use any more, so that they do not outlive the window: in
	 * each chain, those before its oldest snapshot whose backup is still there (deleted by this run
	 * or before), and every segment and the head record of a chain with no such snapshot. Segments
	 * are deleted by id, newest first, down to the first one an earlier run deleted already.
	 */
	private void pruneSegments(SqliteDatabase db, ChainHistory history, List<Backup> listed, List<Backup> deleted) {
		Set<String> remaining = new HashSet<>();
		listed.forEach((backup) -> remaining.add(backup.id()));
		deleted.forEach((backup) -> remaining.remove(backup.id()));
		int pruned = 0;
		for (ChainHistory.Chain chain : history.chains()) {
			if (chain.newestPresent() == null) {
				// Every segment is gone while its head remains (deleted behind the store's back): the head
				// is what says so, and stays until someone who knows why deletes it.
				continue;
			}
			List<ChainHead.Snapshot> usable = chain.snapshots(remaining::contains);
			long below = usable.isEmpty() ? chain.newestSequence() + 1 : usable.get(0).sequence();
			for (long sequence = below - 1; sequence >= 0; sequence--) {
				java.util.Optional<Segment> segment = this.index.find(db.name(), chain.id(), sequence);
				if (segment.isEmpty()) {
					if (!usable.isEmpty() || sequence < chain.newestPresent().sequence()) {
						break;
					}
					continue;
				}
				try {
					this.store.deleteSegment(segment.get());
					pruned++;
				}
				catch (IOException ex) {
					logger.warn("Could not delete segment {} of database '{}' by retention: {}", segment.get().id(),
							db.name(), Messages.describe(ex));
				}
			}
			pruned += pruneCompacted(db, chain, below);
			if (usable.isEmpty()) {
				// A chain deleted whole loses its head record too, which would otherwise say segments are missing.
				try {
					this.store.deleteChainHead(db.name(), chain.id());
				}
				catch (IOException ex) {
					logger.warn("Could not delete the head record of chain {} of database '{}': {}", chain.id(),
							db.name(), Messages.describe(ex));
				}
			}
		}
		if (pruned > 0) {
			logger.info("Retention deleted {} continuous backup object(s) of database '{}' that no remaining "
					+ "snapshot needs", pruned, db.name());
		}
	}

	/**
	 * Deletes what compaction left before {@code below}: the snapshot segments thinning keeps, and
	 * the blocks of each level that end at or before it (a restore from the snapshot at
	 * {@code below} uses only blocks holding a later sequence), newest first, down to the first one
	 * an earlier run deleted already.
	 */
	private int pruneCompacted(SqliteDatabase db, ChainHistory.Chain chain, long below) {
		ChainHead head = chain.head();
		CompactionLevels levels = this.context.options().compaction();
		List<Segment> doomed = new ArrayList<>();
		if (head.level(0) != null) {
			for (ChainHead.Snapshot snapshot : head.snapshots()) {
				if (snapshot.sequence() < below && snapshot.sequence() < head.level(0).keptFrom()) {
					this.index.find(db.name(), chain.id(), snapshot.sequence()).ifPresent(doomed::add);
				}
			}
		}
		for (ChainHead.Level held : head.levels()) {
			if (held.level() < 1 || held.level() > levels.top()) {
				continue;
			}
			long size = levels.size(held.level());
			for (long start = Math.floorDiv(below + 1, size) * size - size; start >= held.keptFrom(); start -= size) {
				java.util.Optional<Segment> block = this.index.findBlock(db.name(), chain.id(), held.level(), start);
				if (block.isEmpty()) {
					break;
				}
				doomed.add(block.get());
			}
		}
		int pruned = 0;
		for (Segment segment : doomed) {
			try {
				this.store.deleteSegment(segment);
				pruned++;
			}
			catch (IOException ex) {
				logger.warn("Could not delete {} of database '{}' by retention: {}", segment.id(), db.name(),
						Messages.describe(ex));
			}
		}
		return pruned;
	}

}
