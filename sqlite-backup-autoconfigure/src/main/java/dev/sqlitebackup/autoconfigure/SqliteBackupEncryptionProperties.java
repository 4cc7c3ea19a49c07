package dev.sqlitebackup.autoconfigure;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * AES-256-GCM encryption of new backups, applied after compression. Configuring any of it
 * turns it on, and then a missing or malformed key stops the application at startup.
 */
public class SqliteBackupEncryptionProperties {

	/**
	 * Whether to encrypt new backups. Unset means on as soon as a key, key id or old key is configured.
	 */
	private @Nullable Boolean enabled;

	/**
	 * Base64 of 32 random bytes (for example "openssl rand -base64 32"), best taken from an
	 * environment variable rather than written into a file.
	 */
	private @Nullable String key;

	/**
	 * Id of the key, recorded in every backup it encrypts so that the right key is used to
	 * restore it after a rotation. Unset means "default".
	 */
	private @Nullable String keyId;

	/**
	 * Keys that were rotated out, by key id, as base64: never used to encrypt, only to restore
	 * the backups they encrypted.
	 */
	private final Map<String, String> oldKeys = new LinkedHashMap<>();

	/**
	 * Whether backups stored without encryption may be restored while encryption is
	 * configured. They cannot be authenticated, so anyone who can write to the backup store
	 * could have planted one; turn this on only to restore backups taken before encryption
	 * was turned on.
	 */
	private boolean allowUnencryptedRestore;

	public @Nullable Boolean getEnabled() {
		return this.enabled;
	}

	public void setEnabled(@Nullable Boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable String getKey() {
		return this.key;
	}

	public void setKey(@Nullable String key) {
		this.key = key;
	}

	public @Nullable String getKeyId() {
		return this.keyId;
	}

	public void setKeyId(@Nullable String keyId) {
		this.keyId = keyId;
	}

	public Map<String, String> getOldKeys() {
		return this.oldKeys;
	}

	public boolean isAllowUnencryptedRestore() {
		return this.allowUnencryptedRestore;
	}

	public void setAllowUnencryptedRestore(boolean allowUnencryptedRestore) {
		this.allowUnencryptedRestore = allowUnencryptedRestore;
	}

	@Override
	public String toString() {
		// Properties objects end up in logs and actuator output; the keys must not.
		return "Encryption[enabled=" + this.enabled + ", keyId=" + this.keyId + ", oldKeyIds="
				+ this.oldKeys.keySet() + ", allowUnencryptedRestore=" + this.allowUnencryptedRestore + "]";
	}

}
