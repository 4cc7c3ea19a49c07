package dev.sqlitebackup.event;

import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/** Published after a restore drill, whether it passed or failed. */
public class RestoreDrillCompletedEvent extends SqliteBackupEvent {

	private final RestoreDrillResult result;

	public RestoreDrillCompletedEvent(SqliteBackupTemplate source, RestoreDrillResult result) {
		super(source, result.database());
		this.result = result;
	}

	/** What the drill restored, whether it passed, and why not. */
	public RestoreDrillResult getResult() {
		return this.result;
	}

}
