package dev.sqlitebackup.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupFailedException;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStoreException;
import dev.sqlitebackup.BackupVerificationException;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.backup.LiveSnapshot.Snapshot;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.engine.BackupFileCheck.CheckFailedException;
import dev.sqlitebackup.engine.BackupFileCheck.Facts;
import dev.sqlitebackup.engine.BackupFileCheck.PendingSha256;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Listeners;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;
import dev.sqlitebackup.engine.PhaseTimes;
import dev.sqlitebackup.engine.SqliteConnections;

/**
 * One backup, top to bottom: clean up, stage, copy a snapshot, make it self-contained, verify,
 * encode, publish, tell the listeners. What the run is asked for comes in a {@link BackupRequest};
 * the flow has no special cases by caller.
 */
public final class BackupRun {

	private static final Logger logger = LoggerFactory.getLogger(BackupRun.class);

	private final EngineContext context;

	private final BackupStore store;

	private final BackupOptions options;

	private final Listeners listeners;

	private final LiveSnapshot snapshots;

	public BackupRun(EngineContext context) {
		this.context = context;
		this.store = context.store();
		this.options = context.options();
		this.listeners = context.listeners();
		this.snapshots = new LiveSnapshot(context);
	}

	/** Takes one backup of a database the caller holds. */
	public Backup run(SqliteDatabase db, BackupRequest request, RunningOperation operation) {
		long started = System.nanoTime();
		String id = null;
		PhaseTimes phases = new PhaseTimes();
		try {
			if (request.cleanUpFirst()) {
				this.context.cleanUpBeforeBackup(db);
			}
			Backup published;
			try (StagingFile staging = stage(db, BackupIds.next(this.context.clock().instant()))) {
				Snapshot snapshot = this.snapshots.copyToStaging(db, staging.path(), operation, request.source());
				phases.end("copy");
				// Dated by its snapshot, never before it: a slow clean-up of a bucket, or a long wait for a
				// lock, would otherwise date a backup before rows it holds.
				Instant createdAt = snapshot.takenAt().truncatedTo(ChronoUnit.MILLIS).plusMillis(
						snapshot.takenAt().getNano() % 1_000_000 == 0 ? 0 : 1);
				id = BackupIds.next(createdAt);
				if (request.refuseUnexpectedlyEmpty()) {
					refuseUnexpectedlyEmpty(db, id, snapshot);
				}
				makeSelfContained(db, id, staging.path());
				CheckedCopy checked = check(db, id, staging.path(), snapshot, request);
				phases.end("check");
				try (StoredBytes stored = encodeForStore(db, id, staging, checked.plainSha256())) {
					StoredForm form = this.options.storedForm();
					Backup backup = new Backup(id, db.name(), createdAt, stored.sizeBytes(), stored.sha256(),
							checked.facts().pageSize(), checked.facts().pageCount(), snapshot.journalMode(),
							snapshot.sqliteVersion(), form.compression().codecName(), checked.verified(),
							this.options.verifyMode(), Messages.elapsedSince(started), request.trigger(),
							form.encryptionKeyId());
					published = this.store.publish(stored.path(), this.context.authenticity().sign(backup));
					phases.end(form.isPlain() ? "publish" : "encode and publish");
				}
			}
			logger.info("Backed up database '{}' as {} ({}, {} pages) in {} ms ({})", db.name(), id,
					Messages.formatBytes(published.sizeBytes()), published.pageCount(), published.duration().toMillis(),
					phases);
			this.listeners.tell((listener) -> listener.backupCompleted(published));
			return published;
		}
		catch (RuntimeException | IOException | SQLException ex) {
			SqliteBackupException failure = asBackupFailure(db, id, ex);
			logger.warn(failure.getMessage());
			Duration elapsed = Messages.elapsedSince(started);
			this.listeners.tell((listener) -> listener.backupFailed(db.name(), request.trigger(), elapsed, failure));
			throw failure;
		}
	}

	/**
	 * Checks the copy as configured. A plain, uncapped backup hashes its bytes in the background
	 * meanwhile; a capped one leaves the application a core and hashes later, and a compressed or
	 * encrypted one hashes the stored bytes while it writes them instead.
	 */
	private CheckedCopy check(SqliteDatabase db, String id, Path staging, Snapshot snapshot, BackupRequest request)
			throws IOException {
		boolean hashNow = this.options.maxBytesPerSecond() <= 0 && this.options.storedForm().isPlain();
		PendingSha256 pendingSha256 = hashNow ? BackupFileCheck.sha256InBackground(staging) : null;
		Facts facts;
		try {
			facts = verifyStaging(db, id, staging, snapshot, request);
		}
		catch (RuntimeException ex) {
			if (pendingSha256 != null) {
				pendingSha256.cancel();
			}
			throw ex;
		}
		String plainSha256 = (pendingSha256 != null) ? pendingSha256.get() : null;
		if (facts == null) {
			return new CheckedCopy(new Facts(snapshot.pageSize(), snapshot.copiedPageCount()), false, plainSha256);
		}
		return new CheckedCopy(facts, this.options.verifyMode() != VerifyMode.NONE, plainSha256);
	}

	private StagingFile stage(SqliteDatabase db, String id) {
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
			.filter((backup) -> !backup.isSafetyBackup() && backup.pageCount() > 1 && this.context.authenticity().counts(backup))
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
			BackupRequest request) {
		Facts facts;
		try {
			facts = BackupFileCheck.verify(staging, this.options.verifyMode());
		}
		catch (CheckFailedException ex) {
			if (request.keepIfUnverified()) {
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
	private StoredBytes encodeForStore(SqliteDatabase db, String id, StagingFile staging,
			@Nullable String plainSha256) throws IOException {
		StoredForm form = this.options.storedForm();
		if (form.isPlain()) {
			return new StoredBytes(staging.path(), Files.size(staging.path()),
					(plainSha256 != null) ? plainSha256 : BackupFileCheck.sha256(staging.path()), null);
		}
		StagingFile target = this.store.newStagingFile(db.name(), id + "-stored");
		try {
			StoredForm.Encoded encoded = form.encode(staging.path(), target.path(), db.name(), id);
			return new StoredBytes(target.path(), encoded.sizeBytes(), encoded.sha256(), target);
		}
		catch (IOException | RuntimeException ex) {
			target.close();
			throw ex;
		}
	}

	private SqliteBackupException asBackupFailure(SqliteDatabase db, @Nullable String id, Exception ex) {
		if (ex instanceof SqliteBackupException failure) {
			return failure;
		}
		if (ex instanceof BackupStoreException) {
			return new BackupFailedException(db.name(), id, ex.getMessage(), ex);
		}
		return new BackupFailedException(db.name(), id,
				"Backup of database '" + db.name() + "' failed: " + Messages.describe(ex), ex);
	}

	/** What the verification of a new copy found, and the SHA-256 of its plain bytes when hashed already. */
	private record CheckedCopy(Facts facts, boolean verified, @Nullable String plainSha256) {
	}

	/**
	 * The bytes a new backup is stored as, with what its manifest records about them; closing
	 * deletes an encoded copy that was not published.
	 */
	private record StoredBytes(Path path, long sizeBytes, String sha256, @Nullable StagingFile encoded)
			implements AutoCloseable {

		@Override
		public void close() {
			if (this.encoded != null) {
				this.encoded.close();
			}
		}

	}

}
