package dev.sqlitebackup.event;

import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/** Published after a restore replaced the live database and the result was confirmed. */
public class RestoreCompletedEvent extends SqliteBackupEvent {

	private final RestoreResult result;

	public RestoreCompletedEvent(SqliteBackupTemplate source, RestoreResult result) {
		super(source, result.database());
		this.result = result;
	}

	/** What was restored, and the id of the safety backup if one was taken. */
	public RestoreResult getResult() {
		return this.result;
	}

}
