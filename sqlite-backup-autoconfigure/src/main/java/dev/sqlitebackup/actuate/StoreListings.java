package dev.sqlitebackup.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupException;

/**
 * Each database's backups as its store last listed them, for health probes that must answer in
 * bounded time whatever the store does. A probe starts a listing when none is running and waits
 * for it a short while; when the store is slower than that, the probe gets the last listing and
 * its age, and the listing goes on in the background. At most one listing per database runs at
 * a time, so probes never pile up threads on a store that hangs.
 */
final class StoreListings implements AutoCloseable {

	private final Function<String, List<Backup>> lister;

	private final Duration wait;

	private final Clock clock;

	private final ExecutorService executor;

	private final Map<String, Watch> watches = new ConcurrentHashMap<>();

	StoreListings(Function<String, List<Backup>> lister, Duration wait, Clock clock) {
		this.lister = lister;
		this.wait = wait;
		this.clock = clock;
		AtomicInteger threads = new AtomicInteger();
		this.executor = Executors.newCachedThreadPool((task) -> {
			Thread thread = new Thread(task, "sqlite-backup-health-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		});
	}

	/** The freshest listing to be had within the wait, and whether a newer one is still on its way. */
	View view(String database) {
		Watch watch = this.watches.computeIfAbsent(database, (name) -> new Watch());
		CompletableFuture<Listing> running = watch.startIfIdle(database);
		try {
			running.get(this.wait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			// Slower than a probe may wait: the last listing answers, this one goes on.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException ex) {
			// Recorded as the listing's failure by the task itself.
		}
		return watch.view();
	}

	@Override
	public void close() {
		this.executor.shutdownNow();
	}

	/** What one listing found, or why it failed, and when it ended. */
	record Listing(@Nullable List<Backup> backups, @Nullable String failure, Instant at) {
	}

	/**
	 * What a probe can report.
	 * @param last the last listing that ended, {@code null} before the first
	 * @param runningSince start of a listing still running, {@code null} when none is
	 */
	record View(@Nullable Listing last, @Nullable Instant runningSince) {
	}

	private final class Watch {

		private @Nullable Listing last;

		private @Nullable CompletableFuture<Listing> running;

		private @Nullable Instant runningSince;

		synchronized CompletableFuture<Listing> startIfIdle(String database) {
			if (this.running == null) {
				this.runningSince = StoreListings.this.clock.instant();
				CompletableFuture<Listing> listing = CompletableFuture.supplyAsync(() -> record(list(database)),
						StoreListings.this.executor);
				this.running = listing;
				listing.whenComplete((done, ex) -> finished(listing));
			}
			return this.running;
		}

		private Listing list(String database) {
			try {
				return new Listing(StoreListings.this.lister.apply(database), null, StoreListings.this.clock.instant());
			}
			catch (SqliteBackupException ex) {
				return new Listing(null, ex.getMessage(), StoreListings.this.clock.instant());
			}
			catch (RuntimeException ex) {
				return new Listing(null, String.valueOf(ex.getMessage()), StoreListings.this.clock.instant());
			}
		}

		/** Kept before the listing's future completes, so that a probe woken by it sees it. */
		private synchronized Listing record(Listing done) {
			this.last = done;
			return done;
		}

		private synchronized void finished(CompletableFuture<Listing> listing) {
			if (this.running == listing) {
				this.running = null;
				this.runningSince = null;
			}
		}

		synchronized View view() {
			boolean running = this.running != null && !this.running.isDone();
			return new View(this.last, running ? this.runningSince : null);
		}

	}

}
