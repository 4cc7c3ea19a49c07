package dev.sqlitebackup.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupAuthenticity;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.BackupVerificationException;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.VerificationResult;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.engine.BackupFileCheck.CheckFailedException;
import dev.sqlitebackup.engine.BackupFileCheck.Facts;
import dev.sqlitebackup.engine.BackupFileCheck.PendingSha256;

/**
 * Checks a stored backup against its manifest before anything is done with it, in one order for
 * every caller: size of the stored bytes, their SHA-256, decoding, SQLite's own check, page count.
 * A restore stops at the first problem and touches nothing live; {@link #verify} reports them all.
 */
public final class StoredBackupCheck {

	private final BackupStore store;

	private final BackupOptions options;

	private final BackupAuthenticity authenticity;

	public StoredBackupCheck(EngineContext context) {
		this.store = context.store();
		this.options = context.options();
		this.authenticity = context.authenticity();
	}

	/**
	 * Opens a backup that is about to be restored and checks it, as {@link #forRestore}; when the
	 * copy fails its check and the store keeps another, that one is checked and used instead.
	 */
	public OpenedBackup openForRestore(SqliteDatabase db, Backup backup) throws IOException {
		return openChecked(backup, (stored) -> forRestore(db, backup, stored));
	}

	/** Opens a backup and makes a checked copy of it, as {@link #writableCopy}, from another copy if need be. */
	public OpenedBackup openWritableCopy(SqliteDatabase db, Backup backup, String suffix) throws IOException {
		return openChecked(backup, (stored) -> writableCopy(db, backup, stored, suffix));
	}

	private OpenedBackup openChecked(Backup backup, Check check) throws IOException {
		StoredBackupFile stored = this.store.open(backup);
		try {
			return new OpenedBackup(stored, check.apply(stored));
		}
		catch (BackupVerificationException ex) {
			stored.close();
			Optional<StoredBackupFile> other = this.store.openOtherCopy(backup, ex.getMessage());
			if (other.isEmpty()) {
				throw ex;
			}
			try {
				return new OpenedBackup(other.get(), check.apply(other.get()));
			}
			catch (IOException | RuntimeException again) {
				other.get().close();
				throw again;
			}
		}
		catch (IOException | RuntimeException ex) {
			stored.close();
			throw ex;
		}
	}

	/**
	 * Checks a backup that is about to be restored.
	 * @return the backup as a plain SQLite file, decoded into staging when it is stored compressed
	 * or encrypted; closing it deletes that copy
	 * @throws BackupVerificationException at the first problem; nothing live was touched
	 */
	CheckedBackup forRestore(SqliteDatabase db, Backup backup, StoredBackupFile stored) throws IOException {
		Inspection inspection = inspect(db, backup, stored.path(), VerifyMode.QUICK, "-decoded");
		if (inspection.problems().isEmpty()) {
			return inspection.checked();
		}
		inspection.checked().close();
		throw refused(db, backup, inspection.problems().get(0));
	}

	/**
	 * A checked plain copy of a stored backup in staging that the caller may change (a restore to a
	 * point in time builds on it): size, SHA-256 and decoding are checked and the page count read
	 * from the copy, but SQLite's own check is left to the caller, who checks what it builds.
	 * @throws BackupVerificationException at the first problem; nothing live was touched
	 */
	CheckedBackup writableCopy(SqliteDatabase db, Backup backup, StoredBackupFile stored, String suffix)
			throws IOException {
		boolean plain = Backup.NO_COMPRESSION.equals(backup.compression()) && !backup.isEncrypted();
		if (!plain) {
			Inspection inspection = inspect(db, backup, stored.path(), VerifyMode.NONE, suffix);
			if (inspection.problems().isEmpty()) {
				return inspection.checked();
			}
			inspection.checked().close();
			throw refused(db, backup, inspection.problems().get(0));
		}
		long size = Files.size(stored.path());
		if (size != backup.sizeBytes()) {
			throw refused(db, backup, Problem.of("it has " + size + " bytes but its manifest says " + backup.sizeBytes()));
		}
		StagingFile copy = this.store.newStagingFile(db.name(), backup.id() + suffix);
		// Hashed on a second core while the copy is made, so that the two take about as long as one.
		PendingSha256 sha256 = BackupFileCheck.sha256InBackground(stored.path());
		try {
			Files.copy(stored.path(), copy.path());
			if (!sha256.get().equalsIgnoreCase(backup.sha256())) {
				throw refused(db, backup, Problem.SHA256_MISMATCH);
			}
			Facts facts = BackupFileCheck.verify(copy.path(), VerifyMode.NONE);
			if (facts.pageCount() != backup.pageCount()) {
				throw refused(db, backup, Problem.of("it holds " + facts.pageCount() + " pages but its manifest says "
						+ backup.pageCount()));
			}
			return new CheckedBackup(copy.path(), facts, copy);
		}
		catch (CheckFailedException ex) {
			copy.close();
			throw refused(db, backup, Problem.of(ex.getMessage()));
		}
		catch (IOException | RuntimeException ex) {
			sha256.cancel();
			copy.close();
			throw ex;
		}
	}

	private static BackupVerificationException refused(SqliteDatabase db, Backup backup, Problem problem) {
		return new BackupVerificationException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
				+ db.name() + "' cannot be restored: " + problem.explained() + "; the live database was not changed",
				problem.cause());
	}

	/** Checks a stored backup again and collects every problem found, its authenticity included. */
	public VerificationResult verify(SqliteDatabase db, Backup backup) {
		List<String> problems = new ArrayList<>();
		String refusal = this.authenticity.refusal(backup);
		if (refusal != null) {
			problems.add(refusal);
		}
		VerifyMode mode = (this.options.verifyMode() == VerifyMode.FULL) ? VerifyMode.FULL : VerifyMode.QUICK;
		try (StoredBackupFile stored = this.store.open(backup)) {
			Inspection inspection = inspect(db, backup, stored.path(), mode, "-verify");
			inspection.checked().close();
			inspection.problems().forEach((problem) -> problems.add(problem.summary()));
		}
		catch (IOException ex) {
			problems.add("cannot read the backup: " + Messages.describe(ex));
		}
		return new VerificationResult(backup.database(), backup.id(), problems.isEmpty(), problems);
	}

	/**
	 * Runs the checks in order. Each runs only when the ones before found nothing: a file larger
	 * than its manifest says may be any size, so it is not hashed, and bytes that do not match
	 * their manifest are not decoded. A plain backup is hashed while SQLite checks it.
	 */
	private Inspection inspect(SqliteDatabase db, Backup backup, Path stored, VerifyMode mode, String decodedSuffix)
			throws IOException {
		List<Problem> problems = new ArrayList<>();
		long size = Files.size(stored);
		if (size != backup.sizeBytes()) {
			problems.add(Problem.of("it has " + size + " bytes but its manifest says " + backup.sizeBytes()));
			return new Inspection(new CheckedBackup(stored, null, null), problems);
		}
		boolean plain = Backup.NO_COMPRESSION.equals(backup.compression()) && !backup.isEncrypted();
		PendingSha256 pendingSha256 = null;
		if (plain) {
			pendingSha256 = BackupFileCheck.sha256InBackground(stored);
		}
		else if (!BackupFileCheck.sha256(stored).equalsIgnoreCase(backup.sha256())) {
			problems.add(Problem.SHA256_MISMATCH);
			return new Inspection(new CheckedBackup(stored, null, null), problems);
		}
		StagingFile decoded = null;
		try {
			if (!plain) {
				decoded = this.store.newStagingFile(db.name(), backup.id() + decodedSuffix);
				decode(backup, stored, decoded.path());
			}
			Path file = (decoded != null) ? decoded.path() : stored;
			Facts facts = BackupFileCheck.verify(file, mode);
			if (pendingSha256 != null && !pendingSha256.get().equalsIgnoreCase(backup.sha256())) {
				// SQLite's check ran alongside the hash; a wrong hash is the problem to report.
				problems.add(Problem.SHA256_MISMATCH);
			}
			else if (facts.pageCount() != backup.pageCount()) {
				problems.add(Problem.of("it holds " + facts.pageCount() + " pages but its manifest says "
						+ backup.pageCount()));
			}
			return new Inspection(new CheckedBackup(file, facts, decoded), problems);
		}
		catch (CheckFailedException ex) {
			if (pendingSha256 != null && !pendingSha256.get().equalsIgnoreCase(backup.sha256())) {
				problems.add(Problem.SHA256_MISMATCH);
			}
			else {
				problems.add(Problem.of(ex.getMessage()));
			}
		}
		catch (UndecodableException ex) {
			problems.add(new Problem(ex.getMessage(), ex.getMessage(), ex.getCause()));
		}
		catch (IOException | RuntimeException ex) {
			if (pendingSha256 != null) {
				pendingSha256.cancel();
			}
			if (decoded != null) {
				decoded.close();
			}
			throw ex;
		}
		return new Inspection(new CheckedBackup(stored, null, decoded), problems);
	}

	/**
	 * Decrypts and decompresses a stored backup into a plain staging file. Fails when the key is
	 * missing or wrong, or the bytes do not decode, or decode to more than the manifest implies.
	 */
	private void decode(Backup backup, Path stored, Path target) throws UndecodableException {
		try {
			this.options.storedForm().decode(backup.encoding(), stored, target);
		}
		catch (IOException | RuntimeException ex) {
			throw new UndecodableException("it cannot be decoded (" + backup.compression()
					+ (backup.isEncrypted() ? ", encrypted with key '" + backup.encryptionKeyId() + "'" : "")
					+ "): " + Messages.describe(ex), ex);
		}
	}

	/**
	 * A stored backup, checked, readable as a plain SQLite file.
	 *
	 * @param plainFile the stored file itself, or its decoded copy
	 * @param facts what SQLite's check found; {@code null} when the checks stopped before it
	 * @param decoded the decoded copy in staging, deleted on close; {@code null} for a plain backup
	 */
	public record CheckedBackup(Path plainFile, @Nullable Facts facts, @Nullable StagingFile decoded)
			implements AutoCloseable {

		@Override
		public void close() {
			if (this.decoded != null) {
				this.decoded.close();
			}
		}

	}

	/** A backup opened from its store and checked; closing releases both. */
	public record OpenedBackup(StoredBackupFile stored, CheckedBackup checked) implements AutoCloseable {

		@Override
		public void close() throws IOException {
			try {
				this.checked.close();
			}
			finally {
				this.stored.close();
			}
		}

	}

	@FunctionalInterface
	private interface Check {

		CheckedBackup apply(StoredBackupFile stored) throws IOException;

	}

	private record Inspection(CheckedBackup checked, List<Problem> problems) {
	}

	/**
	 * One problem, in the short form a verification lists and the explained form a refused restore
	 * gives.
	 */
	private record Problem(String summary, String explained, @Nullable Throwable cause) {

		static final Problem SHA256_MISMATCH = new Problem("SHA-256 does not match the manifest",
				"its bytes no longer match the SHA-256 in its manifest", null);

		static Problem of(String text) {
			return new Problem(text, text, null);
		}

	}

	/** A stored backup whose bytes do not decode: damaged, or its key is missing or wrong. */
	private static final class UndecodableException extends Exception {

		private static final long serialVersionUID = 1L;

		UndecodableException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
