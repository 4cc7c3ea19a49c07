package dev.sqlitebackup.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * AES-256-GCM encryption of stored backups with named keys: new backups are encrypted with the
 * current key, and backups encrypted with an older key are read as long as that key is still
 * configured. The same keys authenticate manifests ({@link #manifestMac}), and the encryption says
 * whether backups stored without it may still be restored. See {@link AesGcmOutputStream} for the
 * stream format.
 */
public final class BackupEncryption {

	/** Name recorded in manifests for this scheme. */
	public static final String ALGORITHM = "aes-256-gcm";

	/** What the stored file name gets after the compression suffix. */
	public static final String FILE_SUFFIX = ".enc";

	static final int KEY_BYTES = 32;

	/** HKDF {@code info} of the manifest MAC key: no other key is derived with it. */
	private static final byte[] MANIFEST_MAC_KEY_INFO = "sqlite-backup manifest hmac-sha256 key"
		.getBytes(StandardCharsets.US_ASCII);

	private final String currentKeyId;

	private final Map<String, byte[]> keys;

	private final boolean unencryptedRestoreAllowed;

	private BackupEncryption(String currentKeyId, Map<String, byte[]> keys, boolean unencryptedRestoreAllowed) {
		this.currentKeyId = currentKeyId;
		this.keys = keys;
		this.unencryptedRestoreAllowed = unencryptedRestoreAllowed;
	}

	/**
	 * Encryption with a current key and older keys that are only used to read old backups.
	 * @param currentKeyId id recorded with every new backup
	 * @param currentKey 32 bytes
	 * @param oldKeys older keys by id, for backups taken before a key rotation
	 * @throws IllegalArgumentException when an id or key is malformed, or the current id is reused
	 * for a different old key
	 */
	public static BackupEncryption of(String currentKeyId, byte[] currentKey, Map<String, byte[]> oldKeys) {
		Map<String, byte[]> keys = new LinkedHashMap<>();
		keys.put(checkKeyId(currentKeyId), checkKey(currentKeyId, currentKey));
		oldKeys.forEach((id, key) -> {
			byte[] checked = checkKey(id, key);
			byte[] previous = keys.putIfAbsent(checkKeyId(id), checked);
			if (previous != null && !java.security.MessageDigest.isEqual(previous, checked)) {
				throw new IllegalArgumentException("Encryption key id '" + id + "' names two different keys");
			}
		});
		return new BackupEncryption(currentKeyId, Map.copyOf(keys), false);
	}

	/**
	 * Decodes a key given as base64 (standard or URL-safe alphabet).
	 * @param keyId only used in the error message
	 * @throws IllegalArgumentException when it is not base64 of exactly 32 bytes; the message never
	 * contains the key
	 */
	public static byte[] decodeKey(String keyId, @Nullable String base64) {
		if (base64 == null || base64.isBlank()) {
			throw new IllegalArgumentException("Encryption key '" + keyId + "' is empty");
		}
		String trimmed = base64.trim();
		byte[] key;
		try {
			key = (trimmed.indexOf('-') >= 0 || trimmed.indexOf('_') >= 0) ? Base64.getUrlDecoder().decode(trimmed)
					: Base64.getDecoder().decode(trimmed);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("Encryption key '" + keyId + "' is not valid base64");
		}
		return checkKey(keyId, key);
	}

	private static byte[] checkKey(String keyId, byte[] key) {
		if (key.length != KEY_BYTES) {
			throw new IllegalArgumentException("Encryption key '" + keyId + "' has " + key.length
					+ " bytes; AES-256 needs exactly " + KEY_BYTES + " (for example: openssl rand -base64 32)");
		}
		return key.clone();
	}

	private static String checkKeyId(String keyId) {
		Objects.requireNonNull(keyId, "keyId");
		if (!keyId.matches("[A-Za-z0-9._-]{1,64}")) {
			throw new IllegalArgumentException("Encryption key id '" + keyId
					+ "' must be 1 to 64 letters, digits, '.', '_' or '-'");
		}
		return keyId;
	}

	/** Id of the key new backups are encrypted with. */
	public String currentKeyId() {
		return this.currentKeyId;
	}

	/** Ids of every key that can decrypt. */
	public Set<String> keyIds() {
		return this.keys.keySet();
	}

	/**
	 * This encryption, restoring backups that are stored without encryption only when
	 * {@code allowed}: such a backup cannot be authenticated, so by default it is refused. Meant
	 * for migrating backups taken before encryption was turned on.
	 */
	public BackupEncryption withUnencryptedRestoreAllowed(boolean allowed) {
		return new BackupEncryption(this.currentKeyId, this.keys, allowed);
	}

	/** Whether backups stored without encryption may be restored although they cannot be authenticated. */
	public boolean isUnencryptedRestoreAllowed() {
		return this.unencryptedRestoreAllowed;
	}

	/** Whether the key with this id is configured. */
	public boolean hasKey(String keyId) {
		return this.keys.containsKey(keyId);
	}

	/**
	 * Wraps a stream so that what is written to the result arrives encrypted with the current key,
	 * bound to one backup: its bytes decrypt only for that database name and backup id.
	 */
	public OutputStream encrypt(OutputStream target, String database, String backupId) throws IOException {
		return new AesGcmOutputStream(target, this.currentKeyId, this::fileKey, AesGcmOutputStream.DEFAULT_CHUNK_SIZE,
				new StreamBinding(database, backupId));
	}

	/** Same with another chunk size; tests use small chunks to cross many chunk boundaries. */
	OutputStream encrypt(OutputStream target, String database, String backupId, int chunkSize) throws IOException {
		return new AesGcmOutputStream(target, this.currentKeyId, this::fileKey, chunkSize,
				new StreamBinding(database, backupId));
	}

	/**
	 * A format 1 stream, bound to no backup, as every backup was encrypted before manifests were
	 * authenticated; only tests write one now, to show that such backups still restore.
	 */
	OutputStream encryptUnbound(OutputStream target, int chunkSize) throws IOException {
		return new AesGcmOutputStream(target, this.currentKeyId, this::fileKey, chunkSize, null);
	}

	/**
	 * Wraps a stream of encrypted bytes of one backup so that reading gives the plain ones. Reading
	 * fails with {@link BackupDecryptionException} when the key is not configured, the bytes were
	 * changed, cut short, extended or reordered, or they were encrypted for another database or
	 * backup id.
	 * @param acceptUnbound whether a format 1 stream, which names no backup, is read: only for a
	 * backup whose manifest has no MAC, that is one taken before manifests were authenticated
	 */
	public InputStream decrypt(InputStream source, String database, String backupId, boolean acceptUnbound) {
		return new AesGcmInputStream(source, this::fileKey, new StreamBinding(database, backupId), acceptUnbound);
	}

	/**
	 * Hex HMAC-SHA256 of a manifest's authenticated content under the manifest key derived from the
	 * key with this id.
	 * @throws BackupDecryptionException when that key is not configured
	 */
	public String manifestMac(String keyId, byte[] content) throws BackupDecryptionException {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(manifestMacKey(masterKey(keyId)), "HmacSHA256"));
			return HexFormat.of().formatHex(mac.doFinal(content));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	/**
	 * Whether a manifest MAC is the right one for this content, compared in constant time.
	 * @throws BackupDecryptionException when the key with this id is not configured
	 */
	public boolean isManifestMacValid(String keyId, byte[] content, String manifestMac)
			throws BackupDecryptionException {
		byte[] expected = manifestMac(keyId, content).getBytes(StandardCharsets.US_ASCII);
		return java.security.MessageDigest.isEqual(expected,
				manifestMac.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
	}

	/**
	 * HKDF (RFC 5869) with SHA-256: extract with the default all-zero salt, expand to one block
	 * with the manifest label as {@code info}. The data keys are derived under another label, so
	 * the two keys are independent although both come from the same master key.
	 */
	private static byte[] manifestMacKey(byte[] master) throws GeneralSecurityException {
		Mac hmac = Mac.getInstance("HmacSHA256");
		hmac.init(new SecretKeySpec(new byte[hmac.getMacLength()], "HmacSHA256"));
		byte[] pseudoRandomKey = hmac.doFinal(master);
		hmac.init(new SecretKeySpec(pseudoRandomKey, "HmacSHA256"));
		hmac.update(MANIFEST_MAC_KEY_INFO);
		hmac.update((byte) 1);
		return hmac.doFinal();
	}

	private byte[] masterKey(String keyId) throws BackupDecryptionException {
		byte[] master = this.keys.get(keyId);
		if (master == null) {
			throw new BackupDecryptionException("it is encrypted with key '" + keyId
					+ "', which is not configured (configured: " + this.keys.keySet() + ")");
		}
		return master;
	}

	/**
	 * Derives the AES key of one file from a master key and the file's random salt, so that no two
	 * files share a key and chunk counters can serve as nonces.
	 */
	private SecretKeySpec fileKey(String keyId, byte[] salt) throws BackupDecryptionException {
		byte[] master = masterKey(keyId);
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(master, "HmacSHA256"));
			mac.update("sqlite-backup aes-256-gcm file key".getBytes(StandardCharsets.US_ASCII));
			return new SecretKeySpec(mac.doFinal(salt), "AES");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	@Override
	public String toString() {
		// Never the keys themselves.
		return "BackupEncryption[" + ALGORITHM + ", current key '" + this.currentKeyId + "', keys " + keyIds() + "]";
	}

	/** Looks up the key of one file. */
	@FunctionalInterface
	interface FileKeys {

		SecretKeySpec fileKey(String keyId, byte[] salt) throws BackupDecryptionException;

	}

}
