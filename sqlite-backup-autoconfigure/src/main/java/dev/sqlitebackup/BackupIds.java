package dev.sqlitebackup;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Makes and recognises backup ids: a UTC timestamp to the millisecond and a random suffix, for
 * example {@code 20261124T110658123Z-3fa9c2}. They sort by creation time, are URL-safe and are
 * never parsed as paths.
 */
public final class BackupIds {

	private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
		.withZone(ZoneOffset.UTC);

	private static final Pattern WELL_FORMED = Pattern.compile("[0-9]{8}T[0-9]{9}Z-[0-9a-f]{6}");

	private static final SecureRandom RANDOM = new SecureRandom();

	private BackupIds() {
	}

	/** A new id for a backup created at the given instant. */
	public static String next(Instant createdAt) {
		byte[] suffix = new byte[3];
		RANDOM.nextBytes(suffix);
		return TIMESTAMP.format(createdAt) + "-" + HexFormat.of().formatHex(suffix);
	}

	/** Whether the string has the shape of an id; says nothing about whether such a backup exists. */
	public static boolean isWellFormed(String candidate) {
		return candidate != null && candidate.length() == 26 && WELL_FORMED.matcher(candidate).matches();
	}

}
