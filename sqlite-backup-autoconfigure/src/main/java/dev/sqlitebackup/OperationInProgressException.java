package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

/** Thrown when another backup, restore or prune of the same database is running. */
public class OperationInProgressException extends SqliteBackupException {

	private final @Nullable OperationType running;

	public OperationInProgressException(String database, OperationType running) {
		super(database, null, "A " + running.name().toLowerCase() + " of database '" + database
				+ "' is already running");
		this.running = running;
	}

	private OperationInProgressException(String database, String message) {
		super(database, null, message);
		this.running = null;
	}

	/** The database's part of the store is held by another process (or another store in this one). */
	public static OperationInProgressException elsewhere(String database, String store) {
		return new OperationInProgressException(database, "An operation on database '" + database
				+ "' is already running in another process that uses " + store);
	}

	/** The operation that holds the database, or {@code null} when another process holds it. */
	public @Nullable OperationType getRunning() {
		return this.running;
	}

}
