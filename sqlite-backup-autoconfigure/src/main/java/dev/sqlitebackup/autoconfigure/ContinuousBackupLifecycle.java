package dev.sqlitebackup.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.sqlitebackup.ContinuousBackupUnavailableException;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;

/**
 * Runs continuous backup for the databases that have it on: at start, before the application
 * serves, it checks that each can be covered (failing startup otherwise) and starts its chain; then
 * it ships new transactions every sync interval on a thread of its own; at a graceful shutdown it
 * ships what was committed until then and lets go of the databases.
 */
final class ContinuousBackupLifecycle implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(ContinuousBackupLifecycle.class);

	/** Longest wait between attempts while capture keeps failing. */
	private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

	private final SqliteBackupTemplate template;

	private final SqliteBackupProperties properties;

	private final Map<String, Failures> failures = new ConcurrentHashMap<>();

	private volatile List<String> covered = List.of();

	private volatile ScheduledExecutorService executor;

	private volatile boolean running;

	private final SqliteFilesAtStartup filesAtStartup;

	ContinuousBackupLifecycle(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		this(template, properties, new SqliteFilesAtStartup());
	}

	ContinuousBackupLifecycle(SqliteBackupTemplate template, SqliteBackupProperties properties,
			SqliteFilesAtStartup filesAtStartup) {
		this.template = template;
		this.properties = properties;
		this.filesAtStartup = filesAtStartup;
	}

	@Override
	public void start() {
		List<String> covered = this.template.getDatabaseNames()
			.stream()
			.filter(this.properties::isContinuous)
			.sorted()
			.toList();
		for (String database : covered) {
			requireCoverable(this.template.getDatabase(database));
		}
		for (String database : covered) {
			try {
				this.template.startCapture(database, this.filesAtStartup.wasNew(database));
			}
			catch (OperationInProgressException ex) {
				// Another process (a second instance, a job) is in an operation on this store: the
				// passes that follow take the database when it is free, or stand by for that process.
				logger.info("Continuous backup of database '{}' starts with the next pass: {}", database, ex.getMessage());
			}
		}
		this.covered = covered;
		this.running = true;
		if (covered.isEmpty()) {
			return;
		}
		ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "sqlite-backup-continuous");
			thread.setDaemon(true);
			return thread;
		});
		// A stop must not wait for the next pass: it runs its own last one.
		executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
		this.executor = executor;
		long interval = Math.max(1, this.properties.getContinuous().getSyncInterval().toMillis());
		executor.schedule(() -> paced(interval), interval, TimeUnit.MILLISECONDS);
		logger.info("Continuous backup ships the transactions of {} every {} ms", covered, interval);
		Duration lease = this.template.getOptions().leaseDuration();
		if (lease != null && lease.dividedBy(3).toMillis() < interval) {
			// Passes come too seldom to keep the lease: it is renewed in between, so that it never lapses under a holder.
			long renewal = Math.max(1, lease.dividedBy(3).toMillis());
			this.executor.scheduleWithFixedDelay(() -> covered.forEach(this.template::keepLease), renewal, renewal,
					TimeUnit.MILLISECONDS);
		}
	}

	private static void requireCoverable(SqliteDatabase database) {
		if (database.isInMemory()) {
			throw new ContinuousBackupUnavailableException(database.name(), "Continuous backup is enabled but "
					+ "database '" + database.name() + "' lives in memory, which it cannot cover; turn it off for this "
					+ "database with sqlite.backup.databases." + database.name() + ".continuous.enabled=false");
		}
	}

	/**
	 * Runs the passes and schedules the next one {@code interval} after this one started, not after
	 * it ended: a commit then waits at most about one interval plus the time to ship it, however
	 * long passes take. A pass longer than the interval is followed at once, never by a burst.
	 */
	private void paced(long interval) {
		long started = System.nanoTime();
		try {
			captureAll();
		}
		finally {
			long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
			ScheduledExecutorService executor = this.executor;
			if (this.running && executor != null) {
				try {
					executor.schedule(() -> paced(interval), Math.max(0, interval - spent), TimeUnit.MILLISECONDS);
				}
				catch (RejectedExecutionException ex) {
					// Stopping: the stop runs the last pass.
				}
			}
		}
	}

	private void captureAll() {
		for (String database : this.covered) {
			Failures failed = this.failures.get(database);
			if (failed != null && System.nanoTime() < failed.retryAt) {
				continue;
			}
			try {
				this.template.capture(database);
				if (this.failures.remove(database) != null) {
					logger.info("Continuous backup of database '{}' works again", database);
				}
			}
			catch (OperationInProgressException ex) {
				// Another operation holds the database; the WAL keeps the frames for the next pass.
			}
			catch (RuntimeException | Error ex) {
				// Anything, an OutOfMemoryError included, is a failed pass: the executor would run no further
				// pass after a task that threw.
				Failures next = this.failures.merge(database, new Failures(1, 0), (old, one) -> new Failures(old.count + 1, 0));
				Duration backoff = backoff(next.count);
				this.failures.put(database, new Failures(next.count, System.nanoTime() + backoff.toNanos()));
				logger.warn("Continuous backup of database '{}' failed ({} in a row), next attempt in {} ms: {}",
						database, next.count, backoff.toMillis(), ex.getMessage());
			}
		}
	}

	private Duration backoff(int failures) {
		Duration interval = this.properties.getContinuous().getSyncInterval();
		Duration backoff = interval.multipliedBy(1L << Math.min(failures, 16));
		return (backoff.compareTo(MAX_BACKOFF) > 0) ? MAX_BACKOFF : backoff;
	}

	@Override
	public void stop() {
		this.running = false;
		ScheduledExecutorService executor = this.executor;
		if (executor != null) {
			executor.shutdown();
			try {
				executor.awaitTermination(this.properties.getShutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		for (String database : this.covered) {
			try {
				this.template.stopCapture(database);
			}
			catch (RuntimeException ex) {
				logger.warn("Continuous backup of database '{}' could not ship its last transactions at shutdown: {}",
						database, ex.getMessage());
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Starts before the scheduled job and the web server; stops after both, so the last commits ship.
		return SqliteBackupScheduler.PHASE - 2;
	}

	/** Consecutive failures of one database's capture and when to try again. */
	private record Failures(int count, long retryAt) {
	}

}
