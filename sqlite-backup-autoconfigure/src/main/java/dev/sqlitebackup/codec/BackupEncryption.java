package dev.sqlitebackup.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
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
 * configured. See {@link AesGcmOutputStream} for the stream format.
 */
public final class BackupEncryption {

	/** Name recorded in manifests for this scheme. */
	public static final String ALGORITHM = "aes-256-gcm";

	/** What the stored file name gets after the compression suffix. */
	public static final String FILE_SUFFIX = ".enc";

	static final int KEY_BYTES = 32;

	private final String currentKeyId;

	private final Map<String, byte[]> keys;

	private BackupEncryption(String currentKeyId, Map<String, byte[]> keys) {
		this.currentKeyId = currentKeyId;
		this.keys = keys;
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
		return new BackupEncryption(currentKeyId, Map.copyOf(keys));
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

	/** Wraps a stream so that what is written to the result arrives encrypted with the current key. */
	public OutputStream encrypt(OutputStream target) throws IOException {
		return new AesGcmOutputStream(target, this.currentKeyId, this::fileKey);
	}

	/** Same with another chunk size; tests use small chunks to cross many chunk boundaries. */
	OutputStream encrypt(OutputStream target, int chunkSize) throws IOException {
		return new AesGcmOutputStream(target, this.currentKeyId, this::fileKey, chunkSize);
	}

	/**
	 * Wraps a stream of encrypted bytes so that reading gives the plain ones. Reading fails with
	 * {@link BackupDecryptionException} when the key is not configured, or the bytes were
	 * changed, cut short, extended or reordered.
	 */
	public InputStream decrypt(InputStream source) {
		return new AesGcmInputStream(source, this::fileKey);
	}

	/**
	 * Derives the AES key of one file from a master key and the file's random salt, so that no two
	 * files share a key and chunk counters can serve as nonces.
	 */
	private SecretKeySpec fileKey(String keyId, byte[] salt) throws BackupDecryptionException {
		byte[] master = this.keys.get(keyId);
		if (master == null) {
			throw new BackupDecryptionException("it is encrypted with key '" + keyId
					+ "', which is not configured (configured: " + this.keys.keySet() + ")");
		}
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
