package dev.sqlitebackup.engine;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.OperationType;

/**
 * One operation per database at a time. A second caller fails fast instead of queueing, so that an
 * HTTP client learns at once that the database is busy; different databases never wait on each
 * other.
 */
public final class OperationLocks {

	private static final Logger logger = LoggerFactory.getLogger(OperationLocks.class);

	/** How long an operation waits for a capture pass of continuous backup to let go of the database. */
	private static final Duration CAPTURE_WAIT = Duration.ofSeconds(10);

	private static final long CAPTURE_POLL_MILLIS = 5;

	private final ConcurrentMap<String, RunningOperation> running = new ConcurrentHashMap<>();

	/**
	 * Takes the database for an operation.
	 * @throws OperationInProgressException when another operation holds it
	 */
	RunningOperation acquire(String database, OperationType type) {
		RunningOperation operation = new RunningOperation(database, type, Instant.now());
		long deadline = System.nanoTime() + CAPTURE_WAIT.toNanos();
		RunningOperation holder;
		while ((holder = this.running.putIfAbsent(database, operation)) != null) {
			// A capture pass holds the database every sync interval, usually for milliseconds: an
			// operation that meets one waits for it rather than fail on bad timing.
			if (holder.type != OperationType.CAPTURE || type == OperationType.CAPTURE || System.nanoTime() > deadline) {
				throw new OperationInProgressException(database, holder.type);
			}
			try {
				Thread.sleep(CAPTURE_POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new OperationInProgressException(database, holder.type);
			}
		}
		return operation;
	}

	Optional<OperationStatus> current(String database) {
		return Optional.ofNullable(this.running.get(database)).map(RunningOperation::status);
	}

	/** An operation holding its database until closed; it also carries the copy's progress. */
	public final class RunningOperation implements AutoCloseable {

		private final String database;

		private final OperationType type;

		private final Instant startedAt;

		private volatile long pagesDone;

		private volatile long pagesTotal;

		private @Nullable StoreLock storeLock;

		private final PhaseTimes phases = new PhaseTimes();

		private RunningOperation(String database, OperationType type, Instant startedAt) {
			this.database = database;
			this.type = type;
			this.startedAt = startedAt;
		}

		OperationStatus progress(long pagesDone, long pagesTotal) {
			this.pagesTotal = pagesTotal;
			this.pagesDone = pagesDone;
			return status();
		}

		OperationStatus status() {
			return new OperationStatus(this.database, this.type, this.startedAt, this.pagesDone, this.pagesTotal);
		}

		/** Where this operation's time went so far, for its log line. */
		public PhaseTimes phases() {
			return this.phases;
		}

		/** Also releases the store's lock when the operation ends. */
		void releaseOnClose(StoreLock storeLock) {
			this.storeLock = storeLock;
		}

		@Override
		public void close() {
			try {
				if (this.storeLock != null) {
					this.storeLock.close();
				}
			}
			catch (IOException ex) {
				logger.warn("Could not release the store's lock for database '{}': {}", this.database, ex.getMessage());
			}
			finally {
				OperationLocks.this.running.remove(this.database, this);
			}
		}

	}

}
