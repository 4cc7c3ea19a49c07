package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.ManifestContent;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.codec.BackupEncryption;

/**
 * Reads and writes a backup's manifest as a small {@code .properties} text: readable by a person
 * and by the JDK alone. Format 1 has no MAC; format 2 adds one (see {@link ManifestContent#authenticated}).
 */
public final class ManifestFormat {

	private static final String FORMAT_WITHOUT_MAC = ManifestContent.FORMAT_WITHOUT_MAC;

	private static final String FORMAT_WITH_MAC = ManifestContent.FORMAT_WITH_MAC;

	private static final String MAC = "mac";

	private ManifestFormat() {
	}

	/** The manifest text of a backup: format 2 with its MAC when it has one, else format 1. */
	public static String write(Backup backup) {
		Properties properties = new Properties();
		properties.setProperty("format", formatOf(backup));
		ManifestContent.fields(backup).forEach(properties::setProperty);
		if (backup.manifestMac() != null) {
			properties.setProperty(MAC, backup.manifestMac());
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

	private static String formatOf(Backup backup) {
		return (backup.manifestMac() != null) ? FORMAT_WITH_MAC : FORMAT_WITHOUT_MAC;
	}

	/**
	 * Parses a manifest.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static Backup read(Reader reader) throws IOException {
		Properties properties = new Properties();
		properties.load(reader);
		String format = properties.getProperty("format");
		String mac = properties.getProperty(MAC);
		if (!FORMAT_WITHOUT_MAC.equals(format) && !FORMAT_WITH_MAC.equals(format)) {
			throw new IllegalArgumentException("Unknown manifest format " + format);
		}
		// The format says whether there is a MAC; a manifest that disagrees with itself was edited.
		if (FORMAT_WITH_MAC.equals(format) != (mac != null)) {
			throw new IllegalArgumentException("Manifest format " + format
					+ ((mac != null) ? " has no MAC, but this one carries one" : " carries a MAC, but this one has none"));
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
				(encryption != null) ? required(properties, "encryptionKeyId") : null, mac);
	}

	private static String required(Properties properties, String key) {
		String value = properties.getProperty(key);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("Manifest has no " + key);
		}
		return value;
	}

}
