package dev.sqlitebackup.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Ties the engine to the application's life: at start it removes what crashed or interrupted
 * operations left in the store, on a thread of its own that startup waits for only briefly, so that
 * a slow or unreachable bucket never holds up the application's start; at shutdown it waits, up to
 * {@code sqlite.backup.shutdown-timeout}, for running backups and restores to finish before the
 * data sources close.
 *
 * <p>
 * When the bound passes, shutdown goes on. An unfinished backup has only written its staging file,
 * which is never listed and is removed at the next start; an unfinished restore copies into the
 * live database in one SQLite transaction, which SQLite rolls back if the process ends before it
 * commits.
 */
final class SqliteBackupLifecycle implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupLifecycle.class);

	private static final long POLL_MILLIS = 50;

	private static final Duration CLEAN_UP_WAIT = Duration.ofSeconds(1);

	private final SqliteBackupTemplate template;

	private final Duration shutdownTimeout;

	private volatile boolean running;

	private volatile @Nullable Thread cleanUp;

	SqliteBackupLifecycle(SqliteBackupTemplate template, Duration shutdownTimeout) {
		this.template = template;
		this.shutdownTimeout = shutdownTimeout;
	}

	@Override
	public void start() {
		Thread cleanUp = new Thread(this.template::cleanUp, "sqlite-backup-cleanup");
		cleanUp.setDaemon(true);
		this.cleanUp = cleanUp;
		cleanUp.start();
		try {
			// A local directory is done at once; a slow bucket goes on without the application.
			cleanUp.join(CLEAN_UP_WAIT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		if (cleanUp.isAlive()) {
			logger.info("Removing what interrupted operations left in the store takes longer than {} ms; it goes on "
					+ "in the background while the application starts", CLEAN_UP_WAIT.toMillis());
		}
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		Thread cleanUp = this.cleanUp;
		if (cleanUp != null) {
			// Leftovers it did not reach are removed at the next start, or before the next backup.
			cleanUp.interrupt();
			this.cleanUp = null;
		}
		long deadline = System.nanoTime() + this.shutdownTimeout.toNanos();
		List<OperationStatus> busy = running();
		if (busy.isEmpty()) {
			return;
		}
		busy.forEach((status) -> logger.info("Waiting up to {} ms for the {} of database '{}' to finish",
				this.shutdownTimeout.toMillis(), status.type().name().toLowerCase(), status.database()));
		while (!busy.isEmpty() && System.nanoTime() < deadline) {
			try {
				Thread.sleep(POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
			busy = running();
		}
		busy.forEach((status) -> logger.warn("Shutting down while the {} of database '{}' is still running: "
				+ "an unfinished backup is never listed, an unfinished restore is rolled back by SQLite",
				status.type().name().toLowerCase(), status.database()));
	}

	private List<OperationStatus> running() {
		List<OperationStatus> busy = new ArrayList<>();
		for (String database : this.template.getDatabaseNames()) {
			Optional<OperationStatus> status = this.template.currentOperation(database);
			status.ifPresent(busy::add);
		}
		return busy;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Below the scheduler, so that it stops first and no new scheduled run starts while waiting.
		return SqliteBackupScheduler.PHASE - 1;
	}

}
