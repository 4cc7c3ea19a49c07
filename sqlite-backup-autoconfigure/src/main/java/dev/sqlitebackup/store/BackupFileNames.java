package dev.sqlitebackup.store;

import java.util.regex.Pattern;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.codec.StoredForm;

/**
 * The names every store gives what it keeps: one folder per database, {@code <id>.sqlite} plus
 * the stored form's suffixes for the bytes, {@code <id>.manifest} beside them, work in progress in
 * {@code .staging}. A local directory and a bucket lay backups out alike.
 */
public final class BackupFileNames {

	/** What every backup's data file name has after its id, before the stored form's suffixes. */
	public static final String DATA_SUFFIX = ".sqlite";

	/** What a manifest's name has after its backup's id. */
	public static final String MANIFEST_SUFFIX = ".manifest";

	/** Folder, inside a database's folder, of work in progress. */
	public static final String STAGING_DIRECTORY = ".staging";

	private static final Pattern UNSAFE_NAME_CHARACTERS = Pattern.compile("[^A-Za-z0-9._-]");

	private BackupFileNames() {
	}

	/**
	 * Folder name of one database's backups: its name reduced to safe characters, never empty and
	 * never {@code .} or {@code ..}.
	 */
	public static String databaseFolder(String database) {
		String safe = UNSAFE_NAME_CHARACTERS.matcher(database).replaceAll("_");
		if (safe.isEmpty() || safe.chars().allMatch((c) -> c == '.')) {
			safe = "_" + safe;
		}
		return safe;
	}

	/** Name of a backup's data file, such as {@code <id>.sqlite.zst.enc}. */
	public static String dataFile(Backup backup) {
		return backup.id() + DATA_SUFFIX + StoredForm.fileSuffixOf(backup.compression(), backup.isEncrypted());
	}

	/** Name of a backup's manifest. */
	public static String manifest(String backupId) {
		return backupId + MANIFEST_SUFFIX;
	}

	/** The backup id a manifest's file name stands for, or {@code null} when the name is not one. */
	public static String idOfManifest(String fileName) {
		if (!fileName.endsWith(MANIFEST_SUFFIX)) {
			return null;
		}
		String id = fileName.substring(0, fileName.length() - MANIFEST_SUFFIX.length());
		return BackupIds.isWellFormed(id) ? id : null;
	}

}
