package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupFileCheck.CheckFailedException;
import dev.sqlitebackup.BackupFileCheck.Facts;
import dev.sqlitebackup.BackupFileCheck.PendingSha256;
import dev.sqlitebackup.store.BackupStore;
import dev.sqlitebackup.store.BackupStore.StoredBackupFile;

/**
 * Checks a stored backup against its manifest before anything is done with it: size and SHA-256 of
 * the stored bytes, decoding, header, page count and SQLite's own check. A restore stops at the
 * first problem; {@link #verifyLocked verify} collects them all.
 */
final class StoredBackupCheck {

	private static final Logger logger = LoggerFactory.getLogger(StoredBackupCheck.class);

	private final EngineContext context;

	private final BackupStore store;

	private final BackupOptions options;

	private final Listeners listeners;

	private static final String SHA256_MISMATCH = "its bytes no longer match the SHA-256 in its manifest";

	private final BackupAuthenticity authenticity;

	StoredBackupCheck(EngineContext context) {
		this.context = context;
		this.store = context.store();
		this.options = context.options();
		this.listeners = context.listeners();
		this.authenticity = context.authenticity();
	}

	/** Everything that can be known about the backup before anything live is touched. */
	Facts checkBeforeRestore(SqliteDatabase db, Backup backup, Path file) throws IOException {
		String problem = sizeProblem(backup, file);
		if (problem == null) {
			// SQLite's check runs alongside the hash (see sha256InBackground); a wrong hash wins.
			PendingSha256 pendingSha256 = BackupFileCheck.sha256InBackground(file);
			Facts facts = null;
			String checkProblem = null;
			try {
				facts = BackupFileCheck.verify(file, VerifyMode.QUICK);
			}
			catch (CheckFailedException ex) {
				checkProblem = ex.getMessage();
			}
			catch (RuntimeException ex) {
				pendingSha256.cancel();
				throw ex;
			}
			if (!pendingSha256.get().equalsIgnoreCase(backup.sha256())) {
				problem = SHA256_MISMATCH;
			}
			else if (checkProblem != null) {
				problem = checkProblem;
			}
			else {
				return facts;
			}
		}
		throw cannotRestore(db, backup, problem, null);
	}

	/** The stored bytes are exactly those the manifest describes: checked before they are decoded. */
	void checkStoredBytes(SqliteDatabase db, Backup backup, Path file) throws IOException {
		String problem = sizeProblem(backup, file);
		if (problem == null && !BackupFileCheck.sha256(file).equalsIgnoreCase(backup.sha256())) {
			problem = SHA256_MISMATCH;
		}
		if (problem != null) {
			throw cannotRestore(db, backup, problem, null);
		}
	}

	private static @Nullable String sizeProblem(Backup backup, Path file) throws IOException {
		long size = Files.size(file);
		return (size != backup.sizeBytes()) ? "it has " + size + " bytes but its manifest says " + backup.sizeBytes()
				: null;
	}

	/**
	 * Decrypts and decompresses a stored backup into a plain staging file, or returns {@code null}
	 * when it is stored plain. Fails before anything live is touched when the key is missing or
	 * wrong, or the bytes do not decode.
	 */
	@Nullable Path decodeFromStore(SqliteDatabase db, Backup backup, Path stored, String stagingName)
			throws IOException, UndecodableException {
		if (Backup.NO_COMPRESSION.equals(backup.compression()) && !backup.isEncrypted()) {
			return null;
		}
		Path target = this.store.newStagingFile(db.name(), stagingName);
		try {
			this.options.storedForm().decode(backup, stored, target);
			return target;
		}
		catch (IOException | RuntimeException ex) {
			Staging.delete(target);
			throw new UndecodableException("it cannot be decoded (" + backup.compression()
					+ (backup.isEncrypted() ? ", encrypted with key '" + backup.encryptionKeyId() + "'" : "")
					+ "): " + Messages.describe(ex), ex);
		}
	}

	/** Checks a decoded backup as a plain one is checked, before anything live is touched. */
	Facts checkDecoded(SqliteDatabase db, Backup backup, Path file) {
		try {
			return BackupFileCheck.verify(file, VerifyMode.QUICK);
		}
		catch (CheckFailedException ex) {
			throw cannotRestore(db, backup, ex.getMessage(), null);
		}
	}

	BackupVerificationException cannotRestore(SqliteDatabase db, Backup backup, String problem,
			@Nullable Throwable cause) {
		return new BackupVerificationException(db.name(), backup.id(), "Backup " + backup.id() + " of database '"
				+ db.name() + "' cannot be restored: " + problem + "; the live database was not changed", cause);
	}

	/** Checks a stored backup again and collects every problem found. */
	VerificationResult verify(SqliteDatabase db, Backup backup) {
		List<String> problems = new ArrayList<>();
		VerifyMode mode = (this.options.verifyMode() == VerifyMode.FULL) ? VerifyMode.FULL : VerifyMode.QUICK;
		Path decoded = null;
		String refusal = this.authenticity.refusal(backup);
		if (refusal != null) {
			problems.add(refusal);
		}
		try (StoredBackupFile stored = this.store.open(backup)) {
			long size = Files.size(stored.path());
			if (size != backup.sizeBytes()) {
				// Not hashed: a file larger than its manifest says may be any size at all.
				problems.add("size is " + size + " bytes, manifest says " + backup.sizeBytes());
			}
			else if (!BackupFileCheck.sha256(stored.path()).equalsIgnoreCase(backup.sha256())) {
				problems.add("SHA-256 does not match the manifest");
			}
			int problemsBefore = problems.size();
			decoded = decodeForVerify(db, backup, stored.path(), problems);
			Facts facts = (problems.size() > problemsBefore) ? null
					: BackupFileCheck.inspect((decoded != null) ? decoded : stored.path(), mode, problems);
			if (facts != null && facts.pageCount() != backup.pageCount()) {
				problems.add("holds " + facts.pageCount() + " pages, manifest says " + backup.pageCount());
			}
		}
		catch (IOException ex) {
			problems.add("cannot read the backup: " + Messages.describe(ex));
		}
		finally {
			Staging.delete(decoded);
		}
		return new VerificationResult(backup.database(), backup.id(), problems.isEmpty(), problems);
	}

	/** Decodes a compressed or encrypted backup for {@link #verify}; a failure becomes a problem. */
	private @Nullable Path decodeForVerify(SqliteDatabase db, Backup backup, Path stored, List<String> problems) {
		try {
			return decodeFromStore(db, backup, stored, backup.id() + "-verify");
		}
		catch (UndecodableException ex) {
			problems.add(ex.getMessage());
			return null;
		}
		catch (IOException ex) {
			problems.add("cannot decode the backup: " + Messages.describe(ex));
			return null;
		}
	}

	/** A stored backup whose bytes do not decode: damaged, or its key is missing or wrong. */
	static final class UndecodableException extends Exception {

		UndecodableException(String message, Throwable cause) {
			super(message, cause);
		}

	}

}
