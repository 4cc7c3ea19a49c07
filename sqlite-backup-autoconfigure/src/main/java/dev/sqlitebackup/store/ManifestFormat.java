package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.codec.BackupEncryption;

/**
 * Reads and writes a backup's manifest as a small {@code .properties} text: readable by a person
 * and by the JDK alone.
 */
public final class ManifestFormat {

	private static final String FORMAT_VERSION = "1";

	private ManifestFormat() {
	}

	/** The manifest text of a backup. */
	public static String write(Backup backup) {
		Properties properties = new Properties();
		properties.setProperty("format", FORMAT_VERSION);
		properties.setProperty("id", backup.id());
		properties.setProperty("database", backup.database());
		properties.setProperty("createdAt", backup.createdAt().toString());
		properties.setProperty("sizeBytes", Long.toString(backup.sizeBytes()));
		properties.setProperty("sha256", backup.sha256());
		properties.setProperty("pageSize", Integer.toString(backup.pageSize()));
		properties.setProperty("pageCount", Long.toString(backup.pageCount()));
		properties.setProperty("journalMode", backup.journalMode());
		properties.setProperty("sqliteVersion", backup.sqliteVersion());
		properties.setProperty("compression", backup.compression());
		properties.setProperty("verified", Boolean.toString(backup.verified()));
		properties.setProperty("verification", backup.verification().name().toLowerCase());
		properties.setProperty("durationMillis", Long.toString(backup.duration().toMillis()));
		properties.setProperty("trigger", backup.trigger().name().toLowerCase());
		if (backup.encryptionKeyId() != null) {
			properties.setProperty("encryption", BackupEncryption.ALGORITHM);
			properties.setProperty("encryptionKeyId", backup.encryptionKeyId());
		}
		StringWriter text = new StringWriter();
		try {
			properties.store(text, "sqlite-backup manifest");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return text.toString();
	}

	/**
	 * Parses a manifest.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static Backup read(Reader reader) throws IOException {
		Properties properties = new Properties();
		properties.load(reader);
		if (!FORMAT_VERSION.equals(properties.getProperty("format"))) {
			throw new IllegalArgumentException("Unknown manifest format " + properties.getProperty("format"));
		}
		String encryption = properties.getProperty("encryption");
		if (encryption != null && !BackupEncryption.ALGORITHM.equals(encryption)) {
			throw new IllegalArgumentException("Unknown encryption " + encryption);
		}
		return new Backup(required(properties, "id"), required(properties, "database"),
				Instant.parse(required(properties, "createdAt")), Long.parseLong(required(properties, "sizeBytes")),
				required(properties, "sha256"), Integer.parseInt(required(properties, "pageSize")),
				Long.parseLong(required(properties, "pageCount")), required(properties, "journalMode"),
				required(properties, "sqliteVersion"), required(properties, "compression"),
				Boolean.parseBoolean(required(properties, "verified")),
				VerifyMode.valueOf(required(properties, "verification").toUpperCase()),
				Duration.ofMillis(Long.parseLong(required(properties, "durationMillis"))),
				BackupTrigger.valueOf(required(properties, "trigger").toUpperCase()),
				(encryption != null) ? required(properties, "encryptionKeyId") : null);
	}

	private static String required(Properties properties, String key) {
		String value = properties.getProperty(key);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("Manifest has no " + key);
		}
		return value;
	}

}
