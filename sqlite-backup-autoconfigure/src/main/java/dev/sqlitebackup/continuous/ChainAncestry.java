package dev.sqlitebackup.continuous;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.pointintime.ChainHistory;
import dev.sqlitebackup.pointintime.ChainIndex;

/**
 * What the next chain of a capture follows, and whether one may start at all: the point a restore
 * brought the database to, else the last point the capture published, else the newest point in
 * the store; and no chain at all while a database that was new when the application started would
 * bury the history the store holds of it.
 */
final class ChainAncestry {

	private static final Logger logger = LoggerFactory.getLogger(ChainAncestry.class);

	private final EngineContext context;

	private final String database;

	/** Whether the database file was missing or empty when the application started. */
	private final boolean newAtStart;

	/** Whether the store was asked for history to restore. */
	private boolean historyChecked;

	/** The newest point in the store while the capture waits for a restore, else {@code null}. */
	private volatile @Nullable ChainPoint awaitingRestore;

	/** The last point the capture published, {@code null} before the first. */
	private @Nullable ChainPoint lastPublished;

	/** Whether a restore decided what the next chain follows ({@link #nextParent}). */
	private boolean decided;

	/** What the next chain follows when a restore decided it; {@code null} for none. */
	private @Nullable ChainPoint nextParent;

	ChainAncestry(EngineContext context, String database, boolean newAtStart) {
		this.context = context;
		this.database = database;
		this.newAtStart = newAtStart;
	}

	/** The capture published this point. */
	void published(ChainPoint point) {
		this.lastPublished = point;
	}

	/** A chain started: what follows it is its own points again. */
	void chainStarted() {
		this.decided = false;
	}

	/**
	 * A restore brought the database to a point of a chain, or to a state that follows none
	 * ({@code null}, a backup): the next chain follows it. Ends the wait for a restore.
	 */
	void restoredTo(@Nullable ChainPoint point) {
		this.nextParent = point;
		this.decided = true;
		this.awaitingRestore = null;
	}

	/**
	 * The point the next chain's snapshot follows: what a restore brought the database to; else
	 * the last point the capture published; else, for the first chain of this process, the newest
	 * point in the store, which the database on disk goes on from.
	 */
	@Nullable ChainPoint parentOfNextChain() {
		if (this.decided) {
			return this.nextParent;
		}
		if (this.lastPublished != null) {
			return this.lastPublished;
		}
		// Whether its snapshots are still stored does not matter: the new chain follows that point.
		ChainHistory.Chain latest = storeHistory((backupId) -> true).latest();
		return (latest != null) ? latest.newestPoint() : null;
	}

	/**
	 * The newest point in the store when the database was new at start and the store holds
	 * history of it with data: a chain of the new database would become "latest" and bury that
	 * history, so none starts until a restore. {@code null} otherwise.
	 */
	@Nullable ChainPoint historyToRestore() {
		if (!this.newAtStart || this.decided) {
			return null;
		}
		if (!this.historyChecked) {
			Set<String> stored = new HashSet<>();
			this.context.list(this.database).forEach((backup) -> stored.add(backup.id()));
			ChainHistory.Chain latest = storeHistory(stored::contains).latest();
			this.historyChecked = true;
			// A history of a database without a single table is nothing to bury.
			if (latest != null && latest.head().newestPageCount() > 1) {
				this.awaitingRestore = latest.newestPoint();
				logger.warn("Continuous backup of database '{}' starts no chain: {}", this.database, awaitingReason());
			}
		}
		return this.awaitingRestore;
	}

	/** Why no chain starts while the capture waits for a restore, and what to do; {@code null} when it does not wait. */
	@Nullable String awaitingReason() {
		ChainPoint history = this.awaitingRestore;
		if (history == null) {
			return null;
		}
		return "the database file was new or empty when the application started, while the store holds its history "
				+ "up to " + history.capturedAt() + " (chain " + history.chainId() + "). Restore it (POST "
				+ "/actuator/sqlitebackup/" + this.database + " {\"action\":\"restore\",\"pointInTime\":\"latest\"}, "
				+ "or SqliteBackupTemplate.restoreLatest); to start a new history on purpose, point the backup store "
				+ "at an empty location";
	}

	private ChainHistory storeHistory(Predicate<String> backupStored) {
		return new ChainIndex(this.context).history(this.database, backupStored);
	}

}
