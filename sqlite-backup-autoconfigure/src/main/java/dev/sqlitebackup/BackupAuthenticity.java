package dev.sqlitebackup;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.codec.BackupDecryptionException;
import dev.sqlitebackup.codec.BackupEncryption;

/**
 * Which backups can be trusted, so that whoever can write to the store cannot choose what gets
 * restored while encryption is configured. New backups get a MAC over their manifest
 * ({@link #sign}); a listed backup is then {@link Trust#AUTHENTICATED authenticated}, from before
 * manifests had a MAC ({@link Trust#PRE_MAC}), {@link Trust#UNENCRYPTED unencrypted}, or
 * {@link Trust#UNAUTHENTIC unauthentic}. Only authenticated backups count as the newest one for
 * health and retention; unauthentic ones, and unencrypted ones unless explicitly allowed, are
 * refused for restore. Without encryption nothing can be authenticated and nothing is refused.
 */
public final class BackupAuthenticity {

	private final @Nullable BackupEncryption encryption;

	/**
	 * Authenticity under the configured encryption.
	 * @param encryption keys of new and old backups, or {@code null} when backups are not encrypted
	 */
	public BackupAuthenticity(@Nullable BackupEncryption encryption) {
		this.encryption = encryption;
	}

	/** What is known about where a backup came from. */
	public enum Trust {

		/** No encryption is configured: nothing can be authenticated, nothing is refused for it. */
		NOT_CHECKED,

		/** Its manifest's MAC verifies under a configured key. */
		AUTHENTICATED,

		/**
		 * Encrypted, but its manifest has no MAC: written before manifests were authenticated.
		 * Restored where its bytes decrypt with a configured key; never counted as the newest.
		 */
		PRE_MAC,

		/** Not encrypted while encryption is configured; restored only when explicitly allowed. */
		UNENCRYPTED,

		/** Its manifest's MAC does not verify, or its key is not configured: refused. */
		UNAUTHENTIC

	}

	/** The backup with its manifest's MAC when it is encrypted under a configured key, else as it is. */
	public Backup sign(Backup backup) {
		if (this.encryption == null || backup.encryptionKeyId() == null) {
			return backup;
		}
		try {
			return backup.withManifestMac(
					this.encryption.manifestMac(backup.encryptionKeyId(), ManifestContent.authenticated(backup)));
		}
		catch (BackupDecryptionException ex) {
			throw new IllegalStateException("A new backup names key '" + backup.encryptionKeyId()
					+ "', which is not configured", ex);
		}
	}

	/** What is known about where a backup came from. */
	public Trust trustOf(Backup backup) {
		if (this.encryption == null) {
			return Trust.NOT_CHECKED;
		}
		if (backup.manifestMac() == null) {
			return backup.isEncrypted() ? Trust.PRE_MAC : Trust.UNENCRYPTED;
		}
		return (unauthenticReason(this.encryption, backup) == null) ? Trust.AUTHENTICATED : Trust.UNAUTHENTIC;
	}

	/**
	 * Whether a backup may count as the newest one: for health's freshness, and for retention, so
	 * that a backup planted with a later id neither keeps health up nor pushes real backups out.
	 */
	public boolean counts(Backup backup) {
		Trust trust = trustOf(backup);
		return trust == Trust.AUTHENTICATED || trust == Trust.NOT_CHECKED;
	}

	/** Whether its manifest's MAC verifies under a configured key. */
	public boolean isAuthenticated(Backup backup) {
		return trustOf(backup) == Trust.AUTHENTICATED;
	}

	/**
	 * Why a backup must not be restored, or {@code null} when it may be. The reason is written for
	 * the person who asked for the restore, with what they can do about it.
	 */
	public @Nullable String refusal(Backup backup) {
		if (this.encryption == null) {
			return null;
		}
		return switch (trustOf(backup)) {
			case UNAUTHENTIC -> unauthenticReason(this.encryption, backup);
			case UNENCRYPTED -> this.encryption.isUnencryptedRestoreAllowed() ? null
					: "it is not encrypted, so it cannot be authenticated, while encryption is configured: anyone who "
							+ "can write to the backup store could have put it there. To restore backups taken before "
							+ "encryption was turned on, set sqlite.backup.encryption.allow-unencrypted-restore=true "
							+ "(BackupEncryption.withUnencryptedRestoreAllowed outside Spring Boot) for the migration";
			default -> null;
		};
	}

	/** The segment with its manifest's MAC when it is encrypted under a configured key, else as it is. */
	public Segment sign(Segment segment) {
		if (this.encryption == null || segment.encryptionKeyId() == null) {
			return segment;
		}
		try {
			return segment.withManifestMac(
					this.encryption.manifestMac(segment.encryptionKeyId(), SegmentContent.authenticated(segment)));
		}
		catch (BackupDecryptionException ex) {
			throw new IllegalStateException("A new segment names key '" + segment.encryptionKeyId()
					+ "', which is not configured", ex);
		}
	}

	/**
	 * Why a segment must not be applied by a restore, or {@code null} when it may be. Segments were
	 * authenticated from the start, so an encrypted one without a MAC is refused, and so is one that
	 * is not encrypted, whether or not unencrypted restores are allowed: that allowance is for backups
	 * taken before encryption was turned on, and a plaintext segment in a store with a key can only
	 * have been put there by someone else.
	 */
	public @Nullable String refusal(Segment segment) {
		if (this.encryption == null) {
			return null;
		}
		String keyId = segment.encryptionKeyId();
		String mac = segment.manifestMac();
		if (keyId == null) {
			return "it is not encrypted, so it cannot be authenticated, while encryption is configured "
					+ "(sqlite.backup.encryption.allow-unencrypted-restore applies to backups, never to segments)";
		}
		if (mac == null) {
			return "it is encrypted but its manifest carries no MAC";
		}
		if (!this.encryption.hasKey(keyId)) {
			return "its manifest is authenticated with key '" + keyId + "', which is not configured";
		}
		try {
			return this.encryption.isManifestMacValid(keyId, SegmentContent.authenticated(segment), mac) ? null
					: "its manifest fails authentication under key '" + keyId + "'";
		}
		catch (BackupDecryptionException ex) {
			return ex.getMessage();
		}
	}

	/** The head with a MAC under the current key when encryption is configured, else as it is. */
	public ChainHead sign(ChainHead head) {
		if (this.encryption == null) {
			return head.withMac(null, null);
		}
		String keyId = this.encryption.currentKeyId();
		ChainHead keyed = head.withMac(keyId, null);
		try {
			return keyed.withMac(keyId, this.encryption.manifestMac(keyId, keyed.authenticated()));
		}
		catch (BackupDecryptionException ex) {
			throw new IllegalStateException("The current key '" + keyId + "' cannot authenticate a chain head", ex);
		}
	}

	/**
	 * Why a head record must not be believed, or {@code null} when it may be: with a key configured,
	 * one without a valid MAC could have been written by anyone who can write to the store.
	 */
	public @Nullable String refusal(ChainHead head) {
		if (this.encryption == null) {
			return null;
		}
		if (head.keyId() == null || head.mac() == null) {
			return "it carries no MAC while encryption is configured";
		}
		if (!this.encryption.hasKey(head.keyId())) {
			return "it is authenticated with key '" + head.keyId() + "', which is not configured";
		}
		try {
			return this.encryption.isManifestMacValid(head.keyId(), head.authenticated(), head.mac()) ? null
					: "it fails authentication under key '" + head.keyId() + "'";
		}
		catch (BackupDecryptionException ex) {
			return ex.getMessage();
		}
	}

	private static @Nullable String unauthenticReason(BackupEncryption encryption, Backup backup) {
		String keyId = backup.encryptionKeyId();
		String mac = backup.manifestMac();
		if (mac == null) {
			return null;
		}
		if (keyId == null) {
			return "its manifest carries a MAC but names no encryption key, so it cannot be authenticated";
		}
		if (!encryption.hasKey(keyId)) {
			return "its manifest is authenticated with key '" + keyId + "', which is not configured (configured: "
					+ encryption.keyIds() + "); add it under sqlite.backup.encryption.old-keys." + keyId;
		}
		try {
			if (encryption.isManifestMacValid(keyId, ManifestContent.authenticated(backup), mac)) {
				return null;
			}
		}
		catch (BackupDecryptionException ex) {
			return ex.getMessage();
		}
		return "its manifest fails authentication (its MAC does not verify under key '" + keyId + "'): the manifest "
				+ "was changed or written by someone without the key, or key '" + keyId
				+ "' is not the key it was written with";
	}

}
