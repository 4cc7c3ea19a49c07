package dev.sqlitebackup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sqlitebackup.codec.BackupEncryption;

/**
 * What a manifest says about a backup, field by field, and the exact bytes its MAC covers. Every
 * store writes these fields in its own form; the MAC never depends on that form.
 */
public final class ManifestContent {

	/** Format of a manifest without a MAC: unencrypted, or written before manifests were authenticated. */
	public static final String FORMAT_WITHOUT_MAC = "1";

	/** Format of a manifest that carries a MAC over every other field. */
	public static final String FORMAT_WITH_MAC = "2";

	private static final byte[] CONTENT_LABEL = "sqlite-backup manifest".getBytes(StandardCharsets.US_ASCII);

	private ManifestContent() {
	}

	/**
	 * What a manifest's MAC is computed over: the format version and every field the manifest
	 * records except the MAC itself, in a fixed order, each name and value length-prefixed. Built
	 * from the parsed values, never from the text, so that the order of lines, escapes and comments
	 * in a {@code .properties} file do not matter, and no two different manifests encode alike.
	 */
	public static byte[] authenticated(Backup backup) {
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

	/**
	 * The bytes a MAC covers for any record of the store: a label of its own, then each field's name
	 * and value, all length-prefixed, so that no two different records encode alike.
	 */
	static byte[] lengthPrefixed(byte[] label, Map<String, String> fields) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			writeLengthPrefixed(out, label);
			for (Map.Entry<String, String> field : fields.entrySet()) {
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

	/** Every field but the format and the MAC, in the order the MAC covers them. */
	public static Map<String, String> fields(Backup backup) {
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

}
