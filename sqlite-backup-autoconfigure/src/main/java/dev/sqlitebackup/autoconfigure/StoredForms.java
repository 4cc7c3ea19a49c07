package dev.sqlitebackup.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;

/**
 * Turns {@code sqlite.backup.compression} and {@code sqlite.backup.encryption.*} into the engine's
 * {@link StoredForm}, failing closed: once encryption is asked for, a missing or malformed key
 * stops the application instead of letting it write plain backups.
 */
final class StoredForms {

	static final String DEFAULT_KEY_ID = "default";

	private static final String PREFIX = "sqlite.backup.encryption.";

	/** Stands in for a key in messages: keys are never printed. */
	private static final String HIDDEN = "(hidden)";

	private StoredForms() {
	}

	static StoredForm of(SqliteBackupProperties properties) {
		return new StoredForm(properties.getCompression(), encryption(properties.getEncryption()));
	}

	private static @Nullable BackupEncryption encryption(SqliteBackupEncryptionProperties properties) {
		boolean configured = (properties.getEnabled() != null) ? properties.getEnabled()
				: properties.getKey() != null || properties.getKeyId() != null || !properties.getOldKeys().isEmpty();
		if (!configured) {
			return null;
		}
		String keyId = (properties.getKeyId() != null) ? properties.getKeyId() : DEFAULT_KEY_ID;
		if (properties.getKey() == null || properties.getKey().isBlank()) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "key", properties.getKey(),
					"Backup encryption is configured but has no key, so no backup would be safe to write. Set "
							+ PREFIX + "key to the base64 of 32 random bytes (openssl rand -base64 32), for example "
							+ "from the environment variable SQLITE_BACKUP_ENCRYPTION_KEY, or set " + PREFIX
							+ "enabled=false to store backups unencrypted.");
		}
		byte[] key = decode(PREFIX + "key", keyId, properties.getKey());
		Map<String, byte[]> oldKeys = new LinkedHashMap<>();
		properties.getOldKeys()
			.forEach((id, oldKey) -> oldKeys.put(id, decode(PREFIX + "old-keys." + id, id, oldKey)));
		try {
			return BackupEncryption.of(keyId, key, oldKeys)
				.withUnencryptedRestoreAllowed(properties.isAllowUnencryptedRestore());
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(PREFIX + "key-id", keyId, ex.getMessage());
		}
	}

	private static byte[] decode(String property, String keyId, String base64) {
		try {
			return BackupEncryption.decodeKey(keyId, base64);
		}
		catch (IllegalArgumentException ex) {
			throw new InvalidConfigurationPropertyValueException(property, HIDDEN, ex.getMessage());
		}
	}

}
