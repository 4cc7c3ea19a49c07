package dev.sqlitebackup.event;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;

/** Published after a backup was verified and published, whatever triggered it. */
public class BackupCompletedEvent extends SqliteBackupEvent {

	private final Backup backup;

	public BackupCompletedEvent(SqliteBackupTemplate source, Backup backup) {
		super(source, backup.database());
		this.backup = backup;
	}

	/** The new backup. */
	public Backup getBackup() {
		return this.backup;
	}

}
