package dev.sqlitebackup;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sqlitebackup.codec.BackupEncryption;

/**
 * What a segment's manifest says, field by field, and the exact bytes its MAC covers. The label
 * differs from a backup manifest's, so that one can never pass for the other.
 */
public final class SegmentContent {

	/** Format of a segment manifest. */
	public static final String FORMAT = "1";

	private static final byte[] CONTENT_LABEL = "sqlite-backup segment".getBytes(StandardCharsets.US_ASCII);

	private SegmentContent() {
	}

	/** What a segment manifest's MAC is computed over: every field but the MAC, length-prefixed. */
	public static byte[] authenticated(Segment segment) {
		return ManifestContent.lengthPrefixed(CONTENT_LABEL, fields(segment));
	}

	/** Every field but the MAC, in the order the MAC covers them. */
	public static Map<String, String> fields(Segment segment) {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("format", FORMAT);
		fields.put("chainId", segment.chainId());
		fields.put("sequence", Long.toString(segment.sequence()));
		fields.put("database", segment.database());
		fields.put("baseBackupId", segment.baseBackupId());
		fields.put("capturedAt", segment.capturedAt().toString());
		fields.put("walSequence", Long.toString(segment.walSequence()));
		fields.put("salt1", Integer.toUnsignedString(segment.salt1()));
		fields.put("salt2", Integer.toUnsignedString(segment.salt2()));
		fields.put("startOffset", Long.toString(segment.startOffset()));
		fields.put("endOffset", Long.toString(segment.endOffset()));
		fields.put("checksumIn", Long.toUnsignedString(segment.checksumIn()));
		fields.put("checksumOut", Long.toUnsignedString(segment.checksumOut()));
		fields.put("bigEndianChecksum", Boolean.toString(segment.bigEndianChecksum()));
		fields.put("frameCount", Integer.toString(segment.frameCount()));
		fields.put("pageSize", Integer.toString(segment.pageSize()));
		fields.put("pageCount", Long.toString(segment.pageCount()));
		fields.put("plainSha256", segment.plainSha256());
		fields.put("previousSha256", segment.previousSha256());
		if (segment.snapshotSha256() != null) {
			fields.put("snapshotSha256", segment.snapshotSha256());
		}
		fields.put("sizeBytes", Long.toString(segment.sizeBytes()));
		fields.put("sha256", segment.sha256());
		fields.put("compression", segment.compression());
		if (segment.encryptionKeyId() != null) {
			fields.put("encryption", BackupEncryption.ALGORITHM);
			fields.put("encryptionKeyId", segment.encryptionKeyId());
		}
		ChainPoint parent = segment.parent();
		if (parent != null) {
			fields.put("parentChainId", parent.chainId());
			fields.put("parentSequence", Long.toString(parent.sequence()));
			fields.put("parentCapturedAt", parent.capturedAt().toString());
		}
		if (segment.startReason() != null) {
			fields.put("startReason", segment.startReason());
		}
		Gap gap = segment.gapBefore();
		if (gap != null) {
			fields.put("gapFrom", gap.from().toString());
			fields.put("gapReason", gap.reason());
		}
		if (segment.epoch() > 0) {
			fields.put("epoch", Long.toString(segment.epoch()));
		}
		if (segment.isCompacted()) {
			// Only blocks carry these, so that the manifests of segments read as they always did.
			fields.put("level", Integer.toString(segment.level()));
			fields.put("fromSequence", Long.toString(segment.fromSequence()));
			fields.put("lastPlainSha256", segment.lastPlainSha256());
		}
		return fields;
	}

	/**
	 * Parses the fields a manifest recorded.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static Segment parse(Map<String, String> fields, @org.jspecify.annotations.Nullable String mac) {
		if (!FORMAT.equals(fields.get("format"))) {
			throw new IllegalArgumentException("Unknown segment manifest format " + fields.get("format"));
		}
		String encryption = fields.get("encryption");
		if (encryption != null && !BackupEncryption.ALGORITHM.equals(encryption)) {
			throw new IllegalArgumentException("Unknown encryption " + encryption);
		}
		return new Segment(required(fields, "chainId"), Long.parseLong(required(fields, "sequence")),
				required(fields, "database"), required(fields, "baseBackupId"),
				java.time.Instant.parse(required(fields, "capturedAt")), Long.parseLong(required(fields, "walSequence")),
				Integer.parseUnsignedInt(required(fields, "salt1")), Integer.parseUnsignedInt(required(fields, "salt2")),
				Long.parseLong(required(fields, "startOffset")), Long.parseLong(required(fields, "endOffset")),
				Long.parseUnsignedLong(required(fields, "checksumIn")),
				Long.parseUnsignedLong(required(fields, "checksumOut")),
				Boolean.parseBoolean(required(fields, "bigEndianChecksum")),
				Integer.parseInt(required(fields, "frameCount")), Integer.parseInt(required(fields, "pageSize")),
				Long.parseLong(required(fields, "pageCount")), required(fields, "plainSha256"),
				required(fields, "previousSha256"), fields.get("snapshotSha256"), Long.parseLong(required(fields, "sizeBytes")),
				required(fields, "sha256"), required(fields, "compression"),
				(encryption != null) ? required(fields, "encryptionKeyId") : null, mac, parentOf(fields),
				fields.get("startReason"), gapOf(fields), level(fields), fromSequence(fields),
				(fields.get("level") != null) ? required(fields, "lastPlainSha256") : null, epoch(fields));
	}

	private static long epoch(Map<String, String> fields) {
		String epoch = fields.get("epoch");
		long parsed = (epoch != null) ? Long.parseLong(epoch) : 0;
		if (parsed < 0 || (epoch != null && parsed == 0)) {
			throw new IllegalArgumentException("Segment manifest has epoch " + epoch);
		}
		return parsed;
	}

	private static int level(Map<String, String> fields) {
		String level = fields.get("level");
		int parsed = (level != null) ? Integer.parseInt(level) : 0;
		if (parsed < 0 || (level != null && parsed == 0)) {
			throw new IllegalArgumentException("Segment manifest has level " + level);
		}
		return parsed;
	}

	private static long fromSequence(Map<String, String> fields) {
		long sequence = Long.parseLong(required(fields, "sequence"));
		if (fields.get("level") == null) {
			return sequence;
		}
		long from = Long.parseLong(required(fields, "fromSequence"));
		if (from < 0 || from >= sequence) {
			throw new IllegalArgumentException("Segment manifest covers sequences " + from + " to " + sequence);
		}
		return from;
	}

	private static @org.jspecify.annotations.Nullable Gap gapOf(Map<String, String> fields) {
		String from = fields.get("gapFrom");
		return (from == null) ? null
				: new Gap(java.time.Instant.parse(from), java.time.Instant.parse(required(fields, "capturedAt")),
						required(fields, "gapReason"));
	}

	private static @org.jspecify.annotations.Nullable ChainPoint parentOf(Map<String, String> fields) {
		String chainId = fields.get("parentChainId");
		return (chainId == null) ? null
				: new ChainPoint(chainId, Long.parseLong(required(fields, "parentSequence")),
						java.time.Instant.parse(required(fields, "parentCapturedAt")));
	}

	private static String required(Map<String, String> fields, String key) {
		String value = fields.get(key);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("Segment manifest has no " + key);
		}
		return value;
	}

}
