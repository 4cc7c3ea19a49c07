package dev.sqlitebackup.store;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.codec.BackupEncryption;

/**
 * Reads and writes a backup's manifest as a small {@code .properties} text: readable by a person
 * and by the JDK alone. Format 1 has no MAC; format 2 adds one (see {@link #authenticatedContent}).
 */
public final class ManifestFormat {

	/** Format of a manifest without a MAC: unencrypted, or written before manifests were authenticated. */
	private static final String FORMAT_WITHOUT_MAC = "1";

	/** Format of a manifest that carries a MAC over every other field. */
	private static final String FORMAT_WITH_MAC = "2";

	private static final String MAC = "mac";

	private static final byte[] CONTENT_LABEL = "sqlite-backup manifest".getBytes(StandardCharsets.US_ASCII);

	private ManifestFormat() {
	}

	/** The manifest text of a backup: format 2 with its MAC when it has one, else format 1. */
	public static String write(Backup backup) {
		Properties properties = new Properties();
		properties.setProperty("format", formatOf(backup));
		fields(backup).forEach(properties::setProperty);
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

	/**
	 * What a manifest's MAC is computed over: the format version and every field {@link #write}
	 * records except the MAC itself, in a fixed order, each name and value length-prefixed. Built
	 * from the parsed values, never from the text, so that the order of lines, escapes and comments
	 * in a {@code .properties} file do not matter, and no two different manifests encode alike.
	 */
	public static byte[] authenticatedContent(Backup backup) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			writeLengthPrefixed(out, CONTENT_LABEL);
			writeField(out, "format", FORMAT_WITH_MAC);
			for (Map.Entry<String, String> field : fields(backup).entrySet()) {
				writeField(out, field.getKey(), field.getValue());
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return bytes.toByteArray();
	}

	private static void writeField(DataOutputStream out, String name, String value) throws IOException {
		writeLengthPrefixed(out, name.getBytes(StandardCharsets.UTF_8));
		writeLengthPrefixed(out, value.getBytes(StandardCharsets.UTF_8));
	}

	private static void writeLengthPrefixed(DataOutputStream out, byte[] bytes) throws IOException {
		out.writeInt(bytes.length);
		out.write(bytes);
	}

	private static String formatOf(Backup backup) {
		return (backup.manifestMac() != null) ? FORMAT_WITH_MAC : FORMAT_WITHOUT_MAC;
	}

	/** Every field but the format and the MAC, in the order the MAC covers them. */
	private static Map<String, String> fields(Backup backup) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("id", backup.id());
		fields.put("database", backup.database());
		fields.put("createdAt", backup.createdAt().toString());
		fields.put("sizeBytes", Long.toString(backup.sizeBytes()));
		fields.put("sha256", backup.sha256());
		fields.put("pageSize", Integer.toString(backup.pageSize()));
		fields.put("pageCount", Long.toString(backup.pageCount()));
		fields.put("journalMode", backup.journalMode());
		fields.put("sqliteVersion", backup.sqliteVersion());
		fields.put("compression", backup.compression());
		fields.put("verified", Boolean.toString(backup.verified()));
		fields.put("verification", backup.verification().name().toLowerCase());
		fields.put("durationMillis", Long.toString(backup.duration().toMillis()));
		fields.put("trigger", backup.trigger().name().toLowerCase());
		if (backup.encryptionKeyId() != null) {
			fields.put("encryption", BackupEncryption.ALGORITHM);
			fields.put("encryptionKeyId", backup.encryptionKeyId());
		}
		return fields;
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
