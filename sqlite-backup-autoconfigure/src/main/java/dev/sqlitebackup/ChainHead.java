package dev.sqlitebackup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The head record of a continuous backup chain, which the capture rewrites after every segment
 * it publishes (and now and then while idle): how far the chain reached. Segments name their
 * predecessor by hash, so a hole or a swap inside a chain shows; only the head shows that its
 * newest segments were cut off. With a key configured it is authenticated like a manifest.
 *
 * @param database name of the database
 * @param chainId id of the chain
 * @param newestSequence sequence of the newest segment published
 * @param newestCapturedAt when that segment was captured
 * @param newestPlainSha256 hex SHA-256 of that segment's frames, which the next one names
 * @param aliveUntil the last pass that found everything committed shipped into the chain
 * @param keyId key the MAC is computed with, {@code null} without one
 * @param mac hex HMAC-SHA256 of the other fields, {@code null} without a key
 */
public record ChainHead(String database, String chainId, long newestSequence, Instant newestCapturedAt,
		String newestPlainSha256, Instant aliveUntil, @Nullable String keyId, @Nullable String mac) {

	/** Format of a head record. */
	public static final String FORMAT = "1";

	private static final byte[] LABEL = "sqlite-backup chain head".getBytes(StandardCharsets.US_ASCII);

	/** Every field but the MAC, in the order the MAC covers them. */
	public Map<String, String> fields() {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("format", FORMAT);
		fields.put("database", this.database);
		fields.put("chainId", this.chainId);
		fields.put("newestSequence", Long.toString(this.newestSequence));
		fields.put("newestCapturedAt", this.newestCapturedAt.toString());
		fields.put("newestPlainSha256", this.newestPlainSha256);
		fields.put("aliveUntil", this.aliveUntil.toString());
		if (this.keyId != null) {
			fields.put("keyId", this.keyId);
		}
		return fields;
	}

	/** What the MAC is computed over: every field but the MAC, length-prefixed, after a label of its own. */
	public byte[] authenticated() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			out.writeInt(LABEL.length);
			out.write(LABEL);
			for (Map.Entry<String, String> field : fields().entrySet()) {
				byte[] name = field.getKey().getBytes(StandardCharsets.UTF_8);
				byte[] value = field.getValue().getBytes(StandardCharsets.UTF_8);
				out.writeInt(name.length);
				out.write(name);
				out.writeInt(value.length);
				out.write(value);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return bytes.toByteArray();
	}

	/** This head with its MAC. */
	public ChainHead withMac(@Nullable String keyId, @Nullable String mac) {
		return new ChainHead(this.database, this.chainId, this.newestSequence, this.newestCapturedAt,
				this.newestPlainSha256, this.aliveUntil, keyId, mac);
	}

	/**
	 * Parses the fields a head record holds.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static ChainHead parse(Map<String, String> fields, @Nullable String mac) {
		if (!FORMAT.equals(fields.get("format"))) {
			throw new IllegalArgumentException("Unknown chain head format " + fields.get("format"));
		}
		return new ChainHead(required(fields, "database"), required(fields, "chainId"),
				Long.parseLong(required(fields, "newestSequence")), Instant.parse(required(fields, "newestCapturedAt")),
				required(fields, "newestPlainSha256"), Instant.parse(required(fields, "aliveUntil")), fields.get("keyId"),
				mac);
	}

	private static String required(Map<String, String> fields, String key) {
		String value = fields.get(key);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("Chain head has no " + key);
		}
		return value;
	}

}
