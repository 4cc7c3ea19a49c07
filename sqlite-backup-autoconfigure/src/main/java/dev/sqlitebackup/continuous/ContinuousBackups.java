package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.OperationType;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.backup.BackupRequest;
import dev.sqlitebackup.backup.BackupRun;
import dev.sqlitebackup.engine.DatabaseHolds;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Listeners;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.pointintime.ChainHistory;
import dev.sqlitebackup.pointintime.PointInTimeRestore;

/**
 * The continuous captures a template runs, one per database it was started for, and the restore
 * windows it read: the template holds a database and delegates here for passes, status and what a
 * restore needs of the capture.
 */
public final class ContinuousBackups {

	private static final Logger logger = LoggerFactory.getLogger(ContinuousBackups.class);

	private final EngineContext context;

	private final BackupRun backups;

	private final PointInTimeRestore pointInTimeRestores;

	private final DatabaseHolds holds;

	/** Continuous capture of each database it was started for; touched only while that database is held. */
	private final Map<String, WalCapture> captures = new ConcurrentHashMap<>();

	/** The leases of the databases captured under one, by name. */
	private final Map<String, CaptureLease> leases = new ConcurrentHashMap<>();

	/** Points restores reached before the database's capture was registered; empty for a backup. */
	private final Map<String, Optional<ChainPoint>> restoredBeforeCapture = new ConcurrentHashMap<>();

	/**
	 * Restore windows as the store last showed them: read again only after this template changed
	 * which snapshots or segments there are; their end follows the capture.
	 */
	private final Map<String, RestoreWindow> windows = new ConcurrentHashMap<>();

	private final AtomicLong windowGeneration = new AtomicLong();

	public ContinuousBackups(EngineContext context, BackupRun backups, PointInTimeRestore pointInTimeRestores,
			DatabaseHolds holds) {
		this.context = context;
		this.backups = backups;
		this.pointInTimeRestores = pointInTimeRestores;
		this.holds = holds;
	}

	/** The capture of a database, {@code null} when it is not captured. */
	@Nullable WalCapture of(String database) {
		return this.captures.get(database);
	}

	/**
	 * A backup asked for: while continuous backup captures the database, it becomes the next
	 * snapshot of its chain, so that a restore to a later point starts from it.
	 */
	public Backup backup(SqliteDatabase db, BackupTrigger trigger, RunningOperation operation) {
		WalCapture capture = this.captures.get(db.name());
		if (capture == null) {
			return this.backups.run(db, BackupRequest.requested(trigger), operation);
		}
		WalCapture.Snapshot snapshot = capture.snapshot(operation, trigger);
		forgetWindow(db.name());
		if (snapshot == null) {
			return this.backups.run(db, BackupRequest.requested(trigger), operation);
		}
		this.context.listeners().tell((listener) -> listener.captureCompleted(snapshot.result()));
		return snapshot.backup();
	}

	/**
	 * Lets go of a database's capture after its last pass. Closing ships and checkpoints once more,
	 * so it holds the database like a pass does (or closes without, when that cannot be had).
	 */
	public void stop(SqliteDatabase db) {
		try (RunningOperation operation = this.holds.holdHere(db, OperationType.CAPTURE)) {
			remove(db.name());
		}
		catch (SqliteBackupException ex) {
			remove(db.name());
		}
	}

	/** The capture of a database, started now unless it runs already. */
	public WalCapture register(SqliteDatabase db, boolean newAtStart) {
		return this.captures.computeIfAbsent(db.name(), (name) -> {
			WalCapture capture = new WalCapture(this.context, this.backups, db, newAtStart, leaseOf(name));
			Optional<ChainPoint> restored = this.restoredBeforeCapture.remove(name);
			if (restored != null) {
				capture.restartChain(restored.map((point) -> ChainHistory.RESTORED_REASON + point.capturedAt()
						+ " (segment " + point.sequence() + " of chain " + point.chainId() + ") when it was missing at startup")
					.orElse("the database was restored from a backup when it was missing at startup"));
				capture.restoredTo(restored.orElse(null));
			}
			return capture;
		});
	}

	/**
	 * One pass of a database held in this process: answered at once while another process captures
	 * it, else with the store's part held too. Any failure, running out of memory included, is told
	 * to the listeners as a failed pass.
	 */
	public CaptureResult pass(SqliteDatabase db, RunningOperation operation) {
		Listeners listeners = this.context.listeners();
		try {
			WalCapture capture = register(db, false);
			if (capture.standsBy()) {
				// Another process captures: this one needs nothing of the store, and takes none of its time.
				CaptureResult standby = CaptureResult.idle(db.name(), CaptureResult.Idle.STANDBY);
				listeners.tell((listener) -> listener.captureCompleted(standby));
				return standby;
			}
			this.holds.lockStore(db, operation);
			CaptureResult result = capture.sync(operation);
			if (result.startedChain() || capture.takeWindowChanged()) {
				forgetWindow(db.name());
			}
			listeners.tell((listener) -> listener.captureCompleted(result));
			return result;
		}
		catch (OperationInProgressException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			listeners.tell((listener) -> listener.captureFailed(db.name(), ex));
			throw ex;
		}
		catch (Error ex) {
			// Running out of memory in a pass must not end continuous backup quietly: it is a failed pass.
			BackupFailedException failure = new BackupFailedException(db.name(), null, "Continuous backup of database '"
					+ db.name() + "' failed: " + ex, ex);
			listeners.tell((listener) -> listener.captureFailed(db.name(), failure));
			throw failure;
		}
	}

	/**
	 * "Latest" is what was committed until a restore was asked for, as for a backup: what the
	 * capture has not shipped yet is shipped first, and so it is for an instant after the last pass
	 * (a restore to "just now"). When that fails the restore still goes ahead with what the store
	 * holds, and its result says which instant that is.
	 * @return the chain the capture extends and up to when it covers it, {@code null} when none
	 */
	public ChainHistory.@Nullable Live shipFirst(SqliteDatabase db, @Nullable Instant pointInTime,
			RunningOperation operation) {
		WalCapture capture = this.captures.get(db.name());
		if (capture == null) {
			return null;
		}
		Instant shipped = capture.lastCaptureAt();
		if (pointInTime == null || shipped == null || pointInTime.isAfter(shipped)) {
			try {
				CaptureResult result = capture.sync(operation);
				this.context.listeners().tell((listener) -> listener.captureCompleted(result));
			}
			catch (SqliteBackupException ex) {
				logger.warn("Database '{}' is restored from what the store holds, without what was committed since "
						+ "the last pass: shipping it first failed ({})", db.name(), ex.getMessage());
				this.context.listeners().tell((listener) -> listener.captureFailed(db.name(), ex));
			}
		}
		return capture.live();
	}

	/** A restore replaces the database: its capture lets go now and starts a new chain next time. */
	public void restartChain(String database, String reason) {
		WalCapture capture = this.captures.get(database);
		if (capture != null) {
			capture.restartChain(reason);
		}
	}

	/** A restore brought the database to a point of a chain, or ({@code null}) to a backup. */
	public void restoredTo(String database, @Nullable ChainPoint point) {
		WalCapture capture = this.captures.get(database);
		if (capture != null) {
			capture.restoredTo(point);
		}
		else {
			// A restore at startup runs before the capture exists; its first chain must follow that point.
			this.restoredBeforeCapture.put(database, Optional.ofNullable(point));
		}
	}

	/** How continuous backup of a database stands; empty when it is not captured here. */
	public Optional<ContinuousStatus> status(String database) {
		WalCapture capture = this.captures.get(database);
		if (capture == null) {
			return Optional.empty();
		}
		RestoreWindow window = this.windows.get(database);
		if (window == null) {
			long generation = this.windowGeneration.get();
			try {
				window = this.pointInTimeRestores.window(database);
			}
			catch (SqliteBackupException ex) {
				// A store that cannot be read fails the passes too: the state says so, the window is unknown.
				window = null;
			}
			// Not kept when an operation changed the store while it was read.
			if (window != null) {
				this.windows.put(database, window);
				if (this.windowGeneration.get() != generation) {
					this.windows.remove(database, window);
				}
			}
		}
		window = extended(window, capture);
		String standbyFor = capture.standbyFor();
		String awaiting = (standbyFor != null) ? standbyFor : capture.awaitingReason();
		String failure = (capture.lastFailure() != null) ? capture.lastFailure() : capture.storeTampered();
		ContinuousStatus.State state = (standbyFor != null) ? ContinuousStatus.State.STANDBY
				: (awaiting != null) ? ContinuousStatus.State.AWAITING_RESTORE
				: (failure != null) ? ContinuousStatus.State.FAILING
				: (capture.lastCaptureAt() == null) ? ContinuousStatus.State.STARTING : ContinuousStatus.State.RUNNING;
		CaptureLease lease = this.leases.get(database);
		return Optional.of(new ContinuousStatus(database, state, capture.lastCaptureAt(),
				(awaiting != null) ? awaiting : failure, window, capture.backlogBytes(),
				(lease != null) ? lease.current() : null));
	}

	/**
	 * The lease a database's capture holds on the store, shared with whatever must hold it first
	 * (a restore at startup); {@code null} when the options ask for none or the store keeps none.
	 */
	public @Nullable CaptureLease leaseOf(String database) {
		Duration duration = this.context.options().leaseDuration();
		if (duration == null || !this.context.store().keepsLeases()) {
			return null;
		}
		return this.leases.computeIfAbsent(database, (name) -> new CaptureLease(this.context, name, duration));
	}

	/**
	 * Renews the lease a database's capture holds when it is due, between passes that come less
	 * often than a third of its duration; takes none that it does not hold (that is a pass's job).
	 */
	public void keepLease(String database) {
		CaptureLease lease = this.leases.get(database);
		if (lease == null || !lease.isHeld()) {
			return;
		}
		try {
			lease.hold();
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Could not renew the lease of database '{}' between passes: {}", database, ex.getMessage());
		}
	}

	/**
	 * Takes the lease on the database's continuous backup, waiting up to {@code wait} while another
	 * process holds it and saying who every few seconds; the capture started later goes on under it.
	 * @return the lease taken, or {@code null} when the options ask for none
	 * @throws IllegalStateException when it is still held by another process after {@code wait}
	 */
	public @Nullable Lease awaitLease(String database, Duration wait) throws IOException {
		CaptureLease lease = leaseOf(database);
		if (lease == null) {
			return null;
		}
		long deadline = System.nanoTime() + wait.toNanos();
		long nextLog = 0;
		while (!lease.hold()) {
			Lease other = lease.other();
			String holder = (other != null) ? other.holder().describe() + " (epoch " + other.epoch() + ", until "
					+ other.expiresAt() + ")" : "another process";
			long now = System.nanoTime();
			if (now - deadline >= 0) {
				throw new IllegalStateException("The lease on continuous backup of database '" + database + "' is held by "
						+ holder + " after waiting " + wait + "; start this instance once that one stopped, or raise "
						+ "sqlite.backup.lease.wait-on-startup");
			}
			if (now - nextLog >= 0) {
				logger.info("Waiting for the lease on continuous backup of database '{}': held by {}", database, holder);
				nextLog = now + Duration.ofSeconds(5).toNanos();
			}
			try {
				Thread.sleep(Math.min(1_000, Math.max(50, this.context.options().leaseDuration().toMillis() / 15)));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("Interrupted while waiting for the lease of database '" + database + "'", ex);
			}
		}
		return lease.current();
	}

	/** The restore window as the store shows it now, with the last pass of a capture running here. */
	public Optional<RestoreWindow> window(String database) {
		WalCapture capture = this.captures.get(database);
		RestoreWindow window = this.pointInTimeRestores.window(database);
		return Optional.ofNullable((capture != null) ? extended(window, capture) : window);
	}

	/**
	 * Waits until the compaction block being built for a database, if any, is built (the next
	 * pass records it); {@code false} when it was not within {@code timeout}.
	 */
	public boolean awaitCompaction(String database, Duration timeout) throws InterruptedException {
		WalCapture capture = this.captures.get(database);
		return capture == null || capture.awaitCompaction(timeout);
	}

	/** How long ago the capture last found everything committed shipped; empty before that. */
	public Optional<Duration> lag(String database) {
		WalCapture capture = this.captures.get(database);
		Instant last = (capture != null) ? capture.lastCaptureAt() : null;
		if (last == null) {
			return Optional.empty();
		}
		Duration lag = Duration.between(last, this.context.clock().instant());
		return Optional.of(lag.isNegative() ? Duration.ZERO : lag);
	}

	/** WAL bytes committed and not yet shipped when the last pass read the WAL; empty before a pass. */
	public Optional<Long> backlog(String database) {
		WalCapture capture = this.captures.get(database);
		return Optional.ofNullable((capture != null) ? capture.backlogBytes() : null);
	}

	/** Whether the database is captured here. */
	public boolean isCaptured(String database) {
		return this.captures.containsKey(database);
	}

	/** Lets go of the capture of a database. */
	void remove(String database) {
		WalCapture capture = this.captures.remove(database);
		if (capture != null) {
			capture.close();
		}
	}

	/** The store's snapshots or segments of the database changed: its window is read again when asked. */
	public void forgetWindow(String database) {
		this.windowGeneration.incrementAndGet();
		this.windows.remove(database);
	}

	private static @Nullable RestoreWindow extended(@Nullable RestoreWindow window, WalCapture capture) {
		ChainHistory.Live live = capture.live();
		return (window != null && live != null) ? window.extendedTo(live.chainId(), live.until()) : window;
	}

}
