package dev.sqlitebackup;

/** Why a backup was taken, so that listings can tell scheduled, manual and safety backups apart. */
public enum BackupTrigger {

	/** Asked for by a caller (API, HTTP endpoint). */
	MANUAL,

	/** Taken by the scheduled backup job. */
	SCHEDULED,

	/** Taken by a restore, of the state the restore was about to replace. */
	SAFETY,

	/** Taken by continuous backup, to start a chain of segments from. */
	CONTINUOUS

}
