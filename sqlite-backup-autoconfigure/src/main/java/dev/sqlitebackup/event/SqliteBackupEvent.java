package dev.sqlitebackup.event;

import org.springframework.context.ApplicationEvent;

import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Base of the application events published for finished backups and restores; listen to it to
 * hear about all of them. Events are published on the thread that ran the operation, after it
 * finished, so a listener cannot change its outcome.
 */
public abstract class SqliteBackupEvent extends ApplicationEvent {

	private final String database;

	protected SqliteBackupEvent(SqliteBackupTemplate source, String database) {
		super(source);
		this.database = database;
	}

	/** Name of the database the operation was about. */
	public String getDatabase() {
		return this.database;
	}

	@Override
	public SqliteBackupTemplate getSource() {
		return (SqliteBackupTemplate) super.getSource();
	}

}
