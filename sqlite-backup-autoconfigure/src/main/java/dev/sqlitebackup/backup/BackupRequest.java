package dev.sqlitebackup.backup;

import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupTrigger;

/**
 * What one backup run is asked for, so that the flow itself has no special cases by caller.
 *
 * @param trigger why the backup is taken, recorded in its manifest
 * @param cleanUpFirst whether to remove leftovers of crashed operations first; a restore's safety
 * backup must not, since the restore's own staging files wait there
 * @param refuseUnexpectedlyEmpty whether a file database that lost all its tables since its last
 * backup is refused instead of published
 * @param keepIfUnverified whether a copy that fails its check is still published, marked
 * unverified, instead of failing the run
 * @param source connection to copy from when the caller already holds the database exclusively
 */
public record BackupRequest(BackupTrigger trigger, boolean cleanUpFirst, boolean refuseUnexpectedlyEmpty,
		boolean keepIfUnverified, @Nullable SQLiteConnection source) {

	public static BackupRequest requested(BackupTrigger trigger) {
		return new BackupRequest(trigger, true, true, false, null);
	}

	/**
	 * The snapshot a chain of continuous backup starts from, copied through a connection whose
	 * read transaction began at the WAL position the chain records. A database that lost all its
	 * tables is refused as for any backup: its chain would become the latest state.
	 */
	public static BackupRequest chainStart(SQLiteConnection pinnedSource) {
		return new BackupRequest(BackupTrigger.CONTINUOUS, true, true, false, pinnedSource);
	}

	/**
	 * A backup asked for while continuous backup extends a chain, which becomes the chain's next
	 * snapshot: copied through a connection whose read transaction began at the WAL position the
	 * chain records for it. It is checked like any backup asked for.
	 */
	public static BackupRequest chainSnapshot(BackupTrigger trigger, SQLiteConnection pinnedSource) {
		return new BackupRequest(trigger, true, true, false, pinnedSource);
	}

	/**
	 * A safety backup is the only copy of the state a restore replaces: a damaged database's is
	 * kept unverified rather than block the restore that is meant to repair it.
	 */
	public static BackupRequest safety(@Nullable SQLiteConnection heldSource) {
		return new BackupRequest(BackupTrigger.SAFETY, false, false, true, heldSource);
	}

}
