package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import dev.sqlitebackup.store.SegmentFileFormat;

/**
 * Reads and rewrites a segment kept whole in one file of a local directory (frames, manifest,
 * footer), as someone tampering with the store would: the tests' hostile hand.
 */
final class StoredSegments {

	private StoredSegments() {
	}

	/** The manifest at the end of a segment file. */
	static Segment manifest(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		int length = SegmentFileFormat.manifestLength(bytes);
		if (length < 0) {
			throw new IllegalStateException(file + " is not a segment kept whole in one file");
		}
		return SegmentFileFormat.readManifest(bytes, length);
	}

	/** The stored frames of a segment file: its bytes before the manifest. */
	static byte[] frames(Path file) throws IOException {
		byte[] bytes = Files.readAllBytes(file);
		int length = SegmentFileFormat.manifestLength(bytes);
		if (length < 0) {
			throw new IllegalStateException(file + " is not a segment kept whole in one file");
		}
		return Arrays.copyOf(bytes, bytes.length - length - SegmentFileFormat.FOOTER_LENGTH);
	}

	/** Writes a segment file holding these frames under this manifest, whether or not they agree. */
	static void write(Path file, Segment manifest, byte[] frames) throws IOException {
		Path staged = file.resolveSibling(file.getFileName() + ".writing");
		Files.write(staged, frames);
		Files.write(staged, tail(manifest), StandardOpenOption.APPEND);
		Files.move(staged, file, StandardCopyOption.REPLACE_EXISTING);
	}

	/** Flips one bit in the middle of a segment file's frames. */
	static void flipAFrameByte(Path file) throws IOException {
		Segment manifest = manifest(file);
		byte[] frames = frames(file);
		frames[frames.length / 2] ^= 1;
		write(file, manifest, frames);
	}

	/** The manifest and footer the store writes after a segment's frames. */
	private static byte[] tail(Segment manifest) throws IOException {
		Path scratch = Files.createTempFile("segment-tail", ".bin");
		try {
			Files.write(scratch, new byte[(int) manifest.sizeBytes()]);
			SegmentFileFormat.appendManifest(scratch, manifest);
			byte[] bytes = Files.readAllBytes(scratch);
			return Arrays.copyOfRange(bytes, (int) manifest.sizeBytes(), bytes.length);
		}
		finally {
			Files.delete(scratch);
		}
	}

}
