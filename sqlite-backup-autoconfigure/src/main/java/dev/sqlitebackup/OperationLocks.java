package dev.sqlitebackup;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One operation per database at a time. A second caller fails fast instead of queueing, so that an
 * HTTP client learns at once that the database is busy; different databases never wait on each
 * other.
 */
final class OperationLocks {

	private final ConcurrentMap<String, RunningOperation> running = new ConcurrentHashMap<>();

	/**
	 * Takes the database for an operation.
	 * @throws OperationInProgressException when another operation holds it
	 */
	RunningOperation acquire(String database, OperationType type) {
		RunningOperation operation = new RunningOperation(database, type, Instant.now());
		RunningOperation holder = this.running.putIfAbsent(database, operation);
		if (holder != null) {
			throw new OperationInProgressException(database, holder.type);
		}
		return operation;
	}

	Optional<OperationStatus> current(String database) {
		return Optional.ofNullable(this.running.get(database)).map(RunningOperation::status);
	}

	/** An operation holding its database until closed; it also carries the copy's progress. */
	final class RunningOperation implements AutoCloseable {

		private final String database;

		private final OperationType type;

		private final Instant startedAt;

		private volatile long pagesDone;

		private volatile long pagesTotal;

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

		@Override
		public void close() {
			OperationLocks.this.running.remove(this.database, this);
		}

	}

}
