package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.codec.StoredForm;

/**
 * Manifest of one published backup: what was copied, when, and how it was checked.
 *
 * @param id opaque, URL-safe id that sorts by creation time
 * @param database name of the database the backup was taken from
 * @param createdAt when the snapshot was taken (UTC)
 * @param sizeBytes size of the stored backup in bytes
 * @param sha256 hex SHA-256 of the stored bytes
 * @param pageSize SQLite page size of the backup
 * @param pageCount number of pages in the backup
 * @param journalMode journal mode of the source database when the backup was taken
 * @param sqliteVersion SQLite library version that took the backup
 * @param compression codec of the stored bytes ({@code none} for a plain SQLite file)
 * @param verified whether the backup passed its verification
 * @param verification which check was run
 * @param duration how long the whole backup took
 * @param trigger why the backup was taken
 * @param encryptionKeyId id of the key the stored bytes are encrypted with, {@code null} when they
 * are not encrypted
 * @param manifestMac hex HMAC-SHA256 of the manifest under a key derived from the encryption key, as
 * the manifest records it; {@code null} for a manifest without one (unencrypted, or written before
 * manifests were authenticated). Only {@link BackupAuthenticity} says whether it is right.
 */
public record Backup(String id, String database, Instant createdAt, long sizeBytes, String sha256, int pageSize,
		long pageCount, String journalMode, String sqliteVersion, String compression, boolean verified,
		VerifyMode verification, Duration duration, BackupTrigger trigger, @Nullable String encryptionKeyId,
		@Nullable String manifestMac) {

	/** Codec name of a backup stored as a plain SQLite database file. */
	public static final String NO_COMPRESSION = "none";

	/** A backup whose stored bytes are not encrypted. */
	public Backup(String id, String database, Instant createdAt, long sizeBytes, String sha256, int pageSize,
			long pageCount, String journalMode, String sqliteVersion, String compression, boolean verified,
			VerifyMode verification, Duration duration, BackupTrigger trigger) {
		this(id, database, createdAt, sizeBytes, sha256, pageSize, pageCount, journalMode, sqliteVersion, compression,
				verified, verification, duration, trigger, null);
	}

	/** A backup whose manifest carries no MAC. */
	public Backup(String id, String database, Instant createdAt, long sizeBytes, String sha256, int pageSize,
			long pageCount, String journalMode, String sqliteVersion, String compression, boolean verified,
			VerifyMode verification, Duration duration, BackupTrigger trigger, @Nullable String encryptionKeyId) {
		this(id, database, createdAt, sizeBytes, sha256, pageSize, pageCount, journalMode, sqliteVersion, compression,
				verified, verification, duration, trigger, encryptionKeyId, null);
	}

	/** This backup with its manifest's MAC; every other field stays as it is. */
	public Backup withManifestMac(@Nullable String manifestMac) {
		return new Backup(this.id, this.database, this.createdAt, this.sizeBytes, this.sha256, this.pageSize,
				this.pageCount, this.journalMode, this.sqliteVersion, this.compression, this.verified,
				this.verification, this.duration, this.trigger, this.encryptionKeyId, manifestMac);
	}

	/**
	 * Size in bytes of the plain SQLite file this backup decodes to, as its manifest implies (page
	 * size times page count); {@link Long#MAX_VALUE} when that does not fit.
	 */
	public long plainSizeBytes() {
		if (this.pageSize <= 0 || this.pageCount <= 0) {
			return 0;
		}
		return (this.pageCount > Long.MAX_VALUE / this.pageSize) ? Long.MAX_VALUE : this.pageSize * this.pageCount;
	}

	/** How the stored bytes were encoded: what decoding them needs. */
	public StoredForm.Encoding encoding() {
		return new StoredForm.Encoding(this.compression, this.encryptionKeyId, this.database, this.id,
				this.manifestMac == null, plainSizeBytes());
	}

	/** Whether the stored bytes are encrypted. */
	public boolean isEncrypted() {
		return this.encryptionKeyId != null;
	}

	/** Whether this backup was taken by a restore to make that restore undoable. */
	public boolean isSafetyBackup() {
		return this.trigger == BackupTrigger.SAFETY;
	}

}
