package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jspecify.annotations.Nullable;

/**
 * What sqlite-backup does for named SQLite databases: back up, list, verify, restore, delete and
 * prune backups, capture continuously and restore to a point, drill restores. Implemented by
 * {@link SqliteBackupTemplate}; an application can depend on this interface and stand in for it in
 * its own tests.
 */
public interface SqliteBackupOperations {

	/** Registers a listener for completed and failed operations and progress. */
	void addListener(BackupListener listener);

	/** Names of the databases this template backs up. */
	Set<String> getDatabaseNames();

	/**
	 * The database with this name.
	 * @throws DatabaseNotFoundException when there is none
	 */
	SqliteDatabase getDatabase(String name);

	/** Store the backups are kept in. */
	BackupStore getStore();

	/** Options the template copies and checks with. */
	BackupOptions getOptions();

	/** Which backups can be trusted under the configured encryption. */
	BackupAuthenticity getAuthenticity();

	/** The operation running on a database right now, with its progress, if any. */
	Optional<OperationStatus> currentOperation(String database);

	/** Published backups of a database, newest first. */
	List<Backup> list(String database);

	/**
	 * One published backup.
	 * @throws InvalidBackupIdException when the id cannot be an id
	 * @throws BackupNotFoundException when the store does not list it
	 */
	Backup get(String database, String backupId);

	/**
	 * Where each backup of a database is kept, by id: {@code local}, {@code s3}, or both when
	 * recent backups are kept locally as well as in a bucket.
	 * @throws BackupListingException when the store cannot list the backups
	 */
	Map<String, List<String>> locations(String database);

	/**
	 * Published backups of a database, newest first, with where each is kept, from one listing of
	 * the store.
	 * @throws BackupListingException when the store cannot list the backups
	 */
	BackupStore.Catalog catalog(String database);

	// ---------------------------------------------------------------- backup

	/** Takes a manual backup of a database. */
	Backup backup(String database);

	/**
	 * Takes a verified backup of a database and publishes it.
	 * @throws OperationInProgressException when another operation holds the database
	 * @throws BackupVerificationException when the copy fails its checks (for example because the
	 * live database is damaged); nothing is published
	 * @throws BackupFailedException when the copy or publishing fails; nothing is published, except
	 * when a store keeps the backup in one place but fails to copy it to another, which the message says
	 */
	Backup backup(String database, BackupTrigger trigger);

	// ---------------------------------------------------------------- restore

	/** Restores a backup into the live database, with a safety backup if the options say so. */
	RestoreResult restore(String database, String backupId);

	/**
	 * Replaces the live database's content with a backup. The backup is checked (SHA-256 against its
	 * manifest, header and size, {@code quick_check}) before the live database is touched; the copy
	 * into the live database is one SQLite transaction, so it either completes or leaves the live
	 * database as it was; the result is confirmed before success is reported.
	 * @param safetyBackup whether to back up the current state first (its id is in the result)
	 * @throws InvalidBackupIdException when the id cannot be an id
	 * @throws BackupNotFoundException when the store does not list the backup
	 * @throws OperationInProgressException when another operation holds the database
	 * @throws BackupVerificationException when the backup fails its checks; nothing was changed
	 * @throws RestoreFailedException when the copy could not be made or confirmed; the live
	 * database is as it was
	 */
	RestoreResult restore(String database, String backupId, boolean safetyBackup);

	/**
	 * Restores the database to the newest state continuous backup captured at or before an instant:
	 * the newest snapshot of its chain at or before the instant plus the segments captured after it
	 * until then, built and checked in
	 * staging, then copied into the live database like any restore (safety backup as the options
	 * say). Continuous backup of the database then starts a new chain.
	 * @throws PointInTimeNotCoveredException when no chain covers the instant (the message names the window)
	 * @throws BackupVerificationException when the plan has a gap or a segment fails its checks;
	 * nothing was changed
	 */
	PointInTimeResult restore(String database, Instant pointInTime);

	/** Restores the database to the latest state continuous backup captured; see {@link #restore(String, Instant)}. */
	PointInTimeResult restoreLatest(String database);

	/**
	 * Restores the database to the newest state captured at or before an instant, or to the latest
	 * captured state when it is {@code null}; see {@link #restore(String, Instant)}.
	 * @param safetyBackup whether to back up the current state first (its id is in the result)
	 */
	PointInTimeResult restoreToPointInTime(String database, @Nullable Instant pointInTime,
			boolean safetyBackup);

	/**
	 * Builds the state continuous backup captured at or before an instant (the latest when it is
	 * {@code null}) into a new file, checked like a restore's, and leaves the live database and its
	 * capture alone: to look at an earlier state, or to start another instance from. The file is a
	 * standalone SQLite database (rollback-journal mode) and appears whole or not at all.
	 * @param file the file to create; its folder must exist, and the file must not
	 * @throws PointInTimeNotCoveredException when no chain covers the instant (the message names the window)
	 * @throws BackupVerificationException when the plan has a gap or a segment fails its checks
	 * @throws RestoreFailedException when the file exists or cannot be written
	 */
	PointInTimeResult restoreToFile(String database, @Nullable Instant pointInTime, Path file);

	/**
	 * Builds a backup into a new file, checked against its manifest and by SQLite, and leaves the
	 * live database alone: to look at an earlier state, or to get the data back without the
	 * application. The file is a standalone SQLite database (rollback-journal mode) and appears
	 * whole or not at all.
	 * @param file the file to create; its folder must exist, and the file must not
	 * @throws BackupNotFoundException when the store holds no such backup
	 * @throws BackupVerificationException when the backup fails its checks
	 * @throws RestoreFailedException when the file exists or cannot be written
	 */
	RestoreResult restoreBackupToFile(String database, String backupId, Path file);

	/**
	 * Restores a database that is missing or empty, as on a new machine, before the application
	 * opens it: the latest restorable state in the store (the latest point continuous backup
	 * captured, else the newest backup) is built and checked in staging and put in place as a new
	 * file; an in-memory database holding no table is restored into. A database that is there is
	 * left alone, and with nothing stored it stays empty. Continuous backup of the database then
	 * starts a chain that follows the point restored to.
	 * @param file the database file, read from the data source's URL so that nothing opens it
	 * first; {@code null} for an in-memory database
	 * @throws BackupListingException when the store cannot say what it holds
	 * @throws SqliteBackupException when the restore fails; the database file is then still missing
	 */
	StartupRestoreResult restoreIfMissing(String database, @Nullable Path file);

	/**
	 * Takes the lease on a database's continuous backup before anything opens the database (a new
	 * instance during a deploy, its disk empty): waits up to {@code wait} while another process
	 * holds it, saying who every few seconds, so that a restore that follows includes that
	 * process's last pass. The capture that starts later goes on under it.
	 * @return the lease taken; empty when the options ask for none or the store keeps none
	 * @throws IllegalStateException when another process still holds it after {@code wait}
	 * @throws SqliteBackupException when the store cannot be read or written
	 */
	Optional<Lease> awaitLease(String database, Duration wait);

	/**
	 * Renews the lease a database's continuous backup holds when it is due; call it every third of
	 * the lease's duration when passes come less often than that. Does nothing without a lease.
	 */
	void keepLease(String database);

	/** Adds a check of the application's own that every restore drill runs on the restored copy. */
	void addDrillCheck(RestoreDrillCheck check);

	/**
	 * Runs a restore drill: the newest backup (with continuous backup, the latest captured point)
	 * is read back from the store a disaster needs (the bucket when backups are also kept locally),
	 * checked against its manifest, built into a scratch copy in staging, checked by SQLite's full
	 * {@code integrity_check} and its recorded page count, and handed read-only to every
	 * {@link RestoreDrillCheck}; then deleted. The live database is never touched; other operations
	 * wait only while the store is read. A drill that fails is a result, not an exception.
	 * @throws OperationInProgressException when another operation holds the database
	 */
	RestoreDrillResult drill(String database);

	/** The last restore drill of a database this template ran, if any. */
	Optional<RestoreDrillResult> lastDrill(String database);

	/**
	 * How continuous backup of a database stands, with the window a restore can reach; empty when
	 * it is not captured by this template. The window is {@code null} when the store cannot list
	 * the segments right now.
	 */
	Optional<ContinuousStatus> continuousStatus(String database);

	/**
	 * The instants a restore to a point can reach for a database, as the store alone says (with the
	 * last pass of a capture this template runs): from, to, the gaps and the chains. Empty when the
	 * store holds no chain with a snapshot whose backup is stored.
	 */
	Optional<RestoreWindow> restoreWindow(String database);

	// ---------------------------------------------------------------- continuous backup

	/**
	 * Ships what was committed to a WAL-mode file database since the last call as one segment of
	 * continuous backup; the first call (and any call after continuity was lost) starts a chain from
	 * a fresh snapshot instead. Call it every sync interval.
	 * @throws ContinuousBackupUnavailableException when the database is in memory or not in WAL mode
	 * @throws OperationInProgressException when another operation holds the database; the WAL keeps
	 * the frames for the next call
	 */
	CaptureResult capture(String database);

	/**
	 * Starts continuous backup of a database, like a first {@link #capture}, knowing whether its
	 * file was missing or empty when the application started. Such a database starts no chain
	 * while the store holds history of it with data (a new machine, a lost disk): its chain would
	 * become "latest" and bury that history. The capture waits for a restore instead
	 * ({@link ContinuousStatus.State#AWAITING_RESTORE}); the chain after the restore follows the
	 * point restored.
	 */
	CaptureResult startCapture(String database, boolean newAtStart);

	/**
	 * How long ago continuous backup of a database last found everything SQLite had committed in the
	 * store: an upper bound on the age of the oldest commit not yet shipped. Empty when it is not captured or no pass succeeded.
	 */
	Optional<Duration> continuousLag(String database);

	/**
	 * Bytes of the database's WAL that SQLite had committed and continuous backup had not shipped
	 * when its last pass read the WAL: what waits while the store cannot take it. Empty when it is
	 * not captured or before a pass.
	 */
	Optional<Long> continuousBacklog(String database);

	/**
	 * Stops continuous backup of a database after shipping what was committed until now, and lets
	 * go of it. A later {@link #capture} goes on with the same chain when it can prove the database was not
	 * changed meanwhile ({@code ChainResumption}), else starts a new one.
	 */
	void stopCapture(String database);

	// ---------------------------------------------------------------- verify, delete, prune

	/**
	 * Checks a stored backup again: size and SHA-256 against the manifest, header, page count and
	 * the configured SQLite check (at least {@code quick_check}). It holds the database like any
	 * other operation, because a compressed, encrypted or remote backup is checked through a
	 * staging copy that a concurrent backup's clean-up would remove.
	 * @throws OperationInProgressException when another operation holds the database
	 */
	VerificationResult verify(String database, String backupId);

	/** Deletes one backup. */
	void delete(String database, String backupId);

	/**
	 * Deletes the backups a retention policy does not keep, and returns them. The newest verified
	 * backup is always kept, and so are backups dated after the current time (the clock was set
	 * back; see {@link FutureDatedBackups}), which are logged. Holding the database's lock means no
	 * restore can be reading a backup while it is deleted.
	 */
	List<Backup> prune(String database, RetentionPolicy policy);

	/**
	 * Takes a backup and, when it succeeds, prunes by the policy, all under one hold of the
	 * database. The backup just taken is kept whatever the policy says, even when older-looking
	 * than others because the clock was set back.
	 */
	Backup backupAndPrune(String database, BackupTrigger trigger, RetentionPolicy policy);

	/**
	 * Removes what crashed or failed operations left in the store, for every database that is not
	 * busy right now. Backups do this on their own before they start; call it at startup.
	 */
	void cleanUp();

}
