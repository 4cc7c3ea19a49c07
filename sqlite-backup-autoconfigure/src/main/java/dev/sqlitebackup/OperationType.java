package dev.sqlitebackup;

/** Kind of operation that holds a database's operation lock. */
public enum OperationType {

	/** Taking a backup. */
	BACKUP,

	/** Restoring a backup into the live database. */
	RESTORE,

	/** Deleting backups by retention. */
	PRUNE,

	/** Checking a stored backup again. */
	VERIFY,

	/** Shipping newly committed transactions of continuous backup. */
	CAPTURE,

	/** Removing what interrupted operations left in the store, as at startup. */
	CLEANUP,

	/** Reading the newest backup back from the store for a restore drill. */
	DRILL

}
