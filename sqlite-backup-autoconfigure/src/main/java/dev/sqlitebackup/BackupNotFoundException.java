package dev.sqlitebackup;

/** Thrown when a backup id is well formed but the store has no such backup of the database. */
public class BackupNotFoundException extends SqliteBackupException {

	public BackupNotFoundException(String database, String backupId) {
		super(database, backupId, "No backup '" + backupId + "' of database '" + database + "'");
	}

}
