package dev.sqlitebackup;

/** No chain of continuous backup covers the instant a restore asked for. */
public class PointInTimeNotCoveredException extends SqliteBackupException {

	public PointInTimeNotCoveredException(String database, String message) {
		super(database, null, message);
	}

}
