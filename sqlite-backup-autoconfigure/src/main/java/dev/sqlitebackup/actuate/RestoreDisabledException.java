package dev.sqlitebackup.actuate;

import dev.sqlitebackup.SqliteBackupException;

/** Thrown when the endpoint is asked to restore while {@code sqlite.backup.restore.enabled} is off. */
public class RestoreDisabledException extends SqliteBackupException {

	/**
	 * Creates an exception for a refused restore of the given database.
	 * @param database name of the database
	 */
	public RestoreDisabledException(String database) {
		super(database, null, "Restore over HTTP is disabled; set sqlite.backup.restore.enabled=true to allow it");
	}

}
