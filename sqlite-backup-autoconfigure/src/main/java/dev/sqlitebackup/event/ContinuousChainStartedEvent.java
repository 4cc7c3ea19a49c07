package dev.sqlitebackup.event;

import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Published when continuous backup of a database started a new chain from a fresh snapshot: at
 * its first pass, or because continuity with the previous chain could not be proven.
 */
public class ContinuousChainStartedEvent extends SqliteBackupEvent {

	private final CaptureResult result;

	public ContinuousChainStartedEvent(SqliteBackupTemplate source, CaptureResult result) {
		super(source, result.database());
		this.result = result;
	}

	/** The pass that started the chain, with its id and the reason. */
	public CaptureResult getResult() {
		return this.result;
	}

}
