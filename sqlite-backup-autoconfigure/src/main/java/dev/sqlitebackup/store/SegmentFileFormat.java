package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import dev.sqlitebackup.Segment;

/**
 * A segment kept whole in one file or object: its stored frames, then its manifest, then a footer
 * of fixed length that gives the manifest's length. Publishing it is one rename or one PUT, which
 * makes it visible whole or not at all; finding it reads its end.
 */
public final class SegmentFileFormat {

	private static final String FOOTER_START = "\n#sqlite-backup segment manifest bytes ";

	/** Bytes of the footer at a segment's end. */
	public static final int FOOTER_LENGTH = FOOTER_START.length() + 10 + 1;

	/** Bytes read from a segment's end to find its manifest: most manifests fit in one read. */
	public static final int TAIL_READ = 8192;

	/** Longest manifest believed: a longer footer is damage, not a manifest. */
	private static final int MAX_MANIFEST_BYTES = 1 << 20;

	private SegmentFileFormat() {
	}

	/** Appends the segment's manifest and the footer to its staged stored frames. */
	public static void appendManifest(Path staged, Segment segment) throws IOException {
		if (Files.size(staged) != segment.sizeBytes()) {
			throw new IllegalArgumentException("Segment " + segment.id() + " is staged with " + Files.size(staged)
					+ " bytes but its manifest says " + segment.sizeBytes());
		}
		byte[] manifest = SegmentManifestFormat.write(segment).getBytes(StandardCharsets.ISO_8859_1);
		try (FileChannel out = FileChannel.open(staged, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
			ByteBuffer tail = ByteBuffer.allocate(manifest.length + FOOTER_LENGTH);
			tail.put(manifest).put(footer(manifest.length)).flip();
			while (tail.hasRemaining()) {
				out.write(tail);
			}
		}
	}

	/** The manifest's length that a segment's last bytes give, or -1 when they are no footer. */
	public static int manifestLength(byte[] end) {
		if (end.length < FOOTER_LENGTH) {
			return -1;
		}
		String footer = new String(Arrays.copyOfRange(end, end.length - FOOTER_LENGTH, end.length),
				StandardCharsets.US_ASCII);
		if (!footer.startsWith(FOOTER_START) || !footer.endsWith("\n")) {
			return -1;
		}
		String digits = footer.substring(FOOTER_START.length(), FOOTER_LENGTH - 1);
		if (!digits.chars().allMatch(Character::isDigit)) {
			return -1;
		}
		long length = Long.parseLong(digits);
		return (length > MAX_MANIFEST_BYTES) ? -1 : (int) length;
	}

	/**
	 * The manifest in a segment's last bytes, which hold at least its manifest and footer.
	 * @throws IllegalArgumentException when it is not a segment manifest
	 */
	public static Segment readManifest(byte[] end, int manifestLength) throws IOException {
		String text = new String(end, end.length - FOOTER_LENGTH - manifestLength, manifestLength,
				StandardCharsets.ISO_8859_1);
		return SegmentManifestFormat.read(new StringReader(text));
	}

	/** Whether a segment of this size whose manifest has this length fills a file or object of {@code size} bytes. */
	public static boolean fills(Segment segment, int manifestLength, long size) {
		return segment.sizeBytes() + manifestLength + FOOTER_LENGTH == size;
	}

	private static byte[] footer(int manifestLength) {
		return (FOOTER_START + String.format("%010d", manifestLength) + "\n").getBytes(StandardCharsets.US_ASCII);
	}

}
