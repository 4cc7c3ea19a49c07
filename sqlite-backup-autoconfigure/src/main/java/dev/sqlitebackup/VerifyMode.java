package dev.sqlitebackup;

/** How thoroughly a new backup is checked before it counts as a backup. */
public enum VerifyMode {

	/** Header, size and page count only. */
	NONE,

	/** Header, size and page count, then {@code PRAGMA quick_check}. */
	QUICK,

	/** Header, size and page count, then {@code PRAGMA integrity_check}. */
	FULL

}
