package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupFileCheck.CheckFailedException;
import dev.sqlitebackup.BackupFileCheck.Facts;
import dev.sqlitebackup.BackupFileCheck.PendingSha256;
import dev.sqlitebackup.OperationLocks.RunningOperation;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.BackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore.OffsiteCopyException;
import dev.sqlitebackup.LiveSnapshot.Snapshot;

/**
 * One backup, top to bottom: clean up, stage, copy a snapshot, make it self-contained, verify,
 * encode, publish, tell the listeners. What the run is asked for comes in a {@link BackupRequest};
 * the flow has no special cases by caller.
 */
final class BackupRun {

	private static final Logger logger = LoggerFactory.getLogger(BackupRun.class);

	private final EngineContext context;

	private final BackupStore store;

	private final BackupOptions options;

	private final Listeners listeners;

	private final Clock clock;

	private final BackupAuthenticity authenticity;

	private final LiveSnapshot snapshots;

	BackupRun(EngineContext context) {
		this.context = context;
		this.store = context.store();
		this.options = context.options();
		this.listeners = context.listeners();
		this.clock = context.clock();
		this.authenticity = context.authenticity();
		this.snapshots = new LiveSnapshot(context);
	}

	/** Takes one backup of a database the caller holds. */
	Backup run(SqliteDatabase db, BackupRequest run, RunningOperation operation) {
		BackupTrigger trigger = run.trigger();
		long started = System.nanoTime();
		Instant createdAt = this.clock.instant().truncatedTo(ChronoUnit.MILLIS);
		String id = BackupIds.next(createdAt);
		Path staging = null;
		Path encoded = null;
		try {
			if (run.cleanUpFirst()) {
				this.context.cleanUp(db);
			}
			staging = stage(db, id);
			Snapshot snapshot = this.snapshots.copyToStaging(db, staging, operation, run.source());
			if (run.refuseUnexpectedlyEmpty()) {
				refuseUnexpectedlyEmpty(db, id, snapshot);
			}
			long copied = System.nanoTime();
			makeSelfContained(db, id, staging);
			long selfContained = System.nanoTime();
			Facts facts;
			String plainSha256 = null;
			boolean verifiedCopy = this.options.verifyMode() != VerifyMode.NONE;
			if (this.options.maxBytesPerSecond() > 0 || !this.options.storedForm().isPlain()) {
				// A capped backup leaves the application a core: the hash runs after the check. A
				// compressed or encrypted one hashes the stored bytes while it writes them instead.
				facts = verifyStaging(db, id, staging, snapshot, run);
			}
			else {
				PendingSha256 pendingSha256 = BackupFileCheck.sha256InBackground(staging);
				try {
					facts = verifyStaging(db, id, staging, snapshot, run);
				}
				catch (RuntimeException ex) {
					pendingSha256.cancel();
					throw ex;
				}
				plainSha256 = pendingSha256.get();
			}
			if (facts == null) {
				verifiedCopy = false;
				facts = new Facts(snapshot.pageSize(), snapshot.copiedPageCount());
			}
			StoredBytes stored = encodeForStore(db, id, staging, plainSha256);
			encoded = stored.path();
			long verified = System.nanoTime();
			StoredForm form = this.options.storedForm();
			Backup backup = new Backup(id, db.name(), createdAt, stored.sizeBytes(), stored.sha256(),
					facts.pageSize(), facts.pageCount(), snapshot.journalMode(), snapshot.sqliteVersion(),
					form.compression().codecName(), verifiedCopy, this.options.verifyMode(), Messages.elapsedSince(started),
					trigger, form.encryptionKeyId());
			Backup published = this.store.publish(stored.path(), this.authenticity.sign(backup));
			if (!stored.path().equals(staging)) {
				Staging.delete(staging);
			}
			logger.debug("Backup {} of database '{}': copy {} ms, journal mode switch {} ms, verify, SHA-256 and "
					+ "encoding {} ms, publish {} ms", id, db.name(), (copied - started) / 1_000_000,
					(selfContained - copied) / 1_000_000, (verified - selfContained) / 1_000_000,
					(System.nanoTime() - verified) / 1_000_000);
			logger.info("Backed up database '{}' as {} ({}, {} pages) in {} ms", db.name(), id,
					Messages.formatBytes(published.sizeBytes()), published.pageCount(), published.duration().toMillis());
			this.listeners.tell((listener) -> listener.backupCompleted(published));
			return published;
		}
		catch (RuntimeException | IOException | SQLException ex) {
			SqliteBackupException failure = asBackupFailure(db, id, ex);
			Staging.delete(staging);
			Staging.delete(encoded);
			logger.warn(failure.getMessage());
			Duration elapsed = Messages.elapsedSince(started);
			this.listeners.tell((listener) -> listener.backupFailed(db.name(), trigger, elapsed, failure));
			throw failure;
		}
	}

	private Path stage(SqliteDatabase db, String id) {
		try {
			return this.store.newStagingFile(db.name(), id);
		}
		catch (IOException ex) {
			throw new BackupFailedException(db.name(), id,
					"Backup of database '" + db.name() + "' failed: cannot prepare backup storage at "
							+ this.store.describe() + ": " + Messages.describe(ex), ex);
		}
	}

	/**
	 * A file database with no tables whose previous backup had some was most likely replaced (a
	 * deleted file recreated empty by the application's pool, say). Publishing its snapshot would
	 * let retention rotate the real backups out, so it is refused; the previous backups stay.
	 */
	private void refuseUnexpectedlyEmpty(SqliteDatabase db, String id, Snapshot snapshot) {
		if (snapshot.tableCount() > 0 || db.isInMemory()) {
			return;
		}
		Optional<Backup> previous = this.context.list(db.name()).stream()
			.filter((backup) -> !backup.isSafetyBackup() && backup.pageCount() > 1 && this.authenticity.counts(backup))
			.findFirst();
		if (previous.isPresent()) {
			throw new BackupVerificationException(db.name(), id, "Backup of database '" + db.name()
					+ "' refused: the database has no tables, but its backup " + previous.get().id() + " has "
					+ previous.get().pageCount() + " pages. Was the file deleted or replaced? Restore a backup, or "
					+ "delete the old backups if the database is meant to be empty");
		}
	}

	/**
	 * Switches the copy to rollback-journal mode. A copy of a WAL database says "WAL" in its
	 * header, so opening it would need side files; this way a backup is one self-contained file
	 * that opens read-only anywhere, and restoring it into a WAL database keeps that database in
	 * WAL mode (SQLite keeps the destination's mode).
	 */
	private void makeSelfContained(SqliteDatabase db, String id, Path staging) throws SQLException {
		try (SQLiteConnection connection = SqliteConnections.open(staging, Duration.ZERO)) {
			String mode = SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			if (!"delete".equalsIgnoreCase(mode)) {
				throw new BackupFailedException(db.name(), id,
						"Could not switch the copy to rollback-journal mode (it stayed " + mode + ")", null);
			}
		}
	}

	/**
	 * Checks the copy; {@code null} when it fails and the run keeps unverified copies (a restore's
	 * safety backup of a damaged database, which is still the only copy of that state).
	 */
	private @Nullable Facts verifyStaging(SqliteDatabase db, String id, Path staging, Snapshot snapshot,
			BackupRequest run) {
		Facts facts;
		try {
			facts = BackupFileCheck.verify(staging, this.options.verifyMode());
		}
		catch (CheckFailedException ex) {
			if (run.keepIfUnverified()) {
				logger.warn("Safety backup {} of database '{}' failed verification ({}); it is kept, marked "
						+ "unverified, and the restore goes on", id, db.name(), ex.getMessage());
				return null;
			}
			throw new BackupVerificationException(db.name(), id,
					"Backup of database '" + db.name() + "' failed verification: " + ex.getMessage()
							+ " (the live database may be damaged; run PRAGMA integrity_check on it)");
		}
		if (facts.pageCount() != snapshot.copiedPageCount()) {
			throw new BackupVerificationException(db.name(), id, "Backup of database '" + db.name() + "' has "
					+ facts.pageCount() + " pages but the snapshot had " + snapshot.pageCount());
		}
		return facts;
	}

	/**
	 * Turns the verified plain copy into the form the store keeps: compressed, then encrypted, as
	 * configured. The plain copy is what was verified; the stored bytes get their own SHA-256,
	 * which is what a restore checks first.
	 */
	private StoredBytes encodeForStore(SqliteDatabase db, String id, Path staging, @Nullable String plainSha256)
			throws IOException {
		StoredForm form = this.options.storedForm();
		if (form.isPlain()) {
			return new StoredBytes(staging, Files.size(staging),
					(plainSha256 != null) ? plainSha256 : BackupFileCheck.sha256(staging));
		}
		Path target = this.store.newStagingFile(db.name(), id + "-stored");
		try {
			StoredForm.Encoded encoded = form.encode(staging, target, db.name(), id);
			return new StoredBytes(target, encoded.sizeBytes(), encoded.sha256());
		}
		catch (IOException | RuntimeException ex) {
			Staging.delete(target);
			throw ex;
		}
	}

	private SqliteBackupException asBackupFailure(SqliteDatabase db, String id, Exception ex) {
		if (ex instanceof SqliteBackupException failure) {
			return failure;
		}
		if (ex instanceof OffsiteCopyException) {
			return new BackupFailedException(db.name(), id, ex.getMessage(), ex);
		}
		return new BackupFailedException(db.name(), id,
				"Backup of database '" + db.name() + "' failed: " + Messages.describe(ex), ex);
	}

	/** The bytes a new backup is stored as, with what its manifest records about them. */
	private record StoredBytes(Path path, long sizeBytes, String sha256) {
	}

}
