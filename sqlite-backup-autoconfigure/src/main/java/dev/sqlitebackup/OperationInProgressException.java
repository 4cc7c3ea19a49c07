package dev.sqlitebackup;

/** Thrown when another backup, restore or prune of the same database is running. */
public class OperationInProgressException extends SqliteBackupException {

	private final OperationType running;

	public OperationInProgressException(String database, OperationType running) {
		super(database, null, "A " + running.name().toLowerCase() + " of database '" + database
				+ "' is already running");
		this.running = running;
	}

	/** The operation that holds the database. */
	public OperationType getRunning() {
		return this.running;
	}

}
