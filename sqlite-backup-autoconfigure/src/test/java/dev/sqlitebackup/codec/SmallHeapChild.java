package dev.sqlitebackup.codec;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;

/**
 * Run by {@link SmallHeapTests} in a JVM whose heap is far smaller than the file: writes a file,
 * encodes it with zstd and AES-256-GCM, decodes it again and prints both SHA-256s.
 */
public final class SmallHeapChild {

	private SmallHeapChild() {
	}

	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		long size = Long.parseLong(args[1]);
		Path plain = dir.resolve("plain");
		String plainSha = write(plain, size);
		StoredForm form = new StoredForm(BackupCodec.ZSTD, BackupEncryption.of("k", new byte[32], Map.of()));
		Path stored = dir.resolve("stored");
		StoredForm.Encoded encoded = form.encode(plain, stored, "db", "20260101T000000000Z-000000");
		Backup backup = new Backup("20260101T000000000Z-000000", "db", Instant.EPOCH, encoded.sizeBytes(),
				encoded.sha256(), 4096, size / 4096, "wal", "3", "zstd", true, VerifyMode.QUICK, Duration.ZERO,
				BackupTrigger.MANUAL, "k");
		Path decoded = dir.resolve("decoded");
		form.decode(backup.encoding(), stored, decoded);
		System.out.println("plain " + plainSha);
		System.out.println("decoded " + sha256(decoded));
		System.out.println("maxMemory " + Runtime.getRuntime().maxMemory());
	}

	/** Half random, half repetitive, so that zstd has work to do on both kinds. */
	private static String write(Path file, long size) throws Exception {
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		Random random = new Random(42);
		byte[] block = new byte[1 << 16];
		try (OutputStream out = Files.newOutputStream(file)) {
			for (long written = 0; written < size; written += block.length) {
				random.nextBytes(block);
				java.util.Arrays.fill(block, 0, block.length / 2, (byte) (written >> 16));
				out.write(block);
				digest.update(block);
			}
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private static String sha256(Path file) throws Exception {
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		try (InputStream in = Files.newInputStream(file)) {
			byte[] buffer = new byte[1 << 16];
			int n;
			while ((n = in.read(buffer)) >= 0) {
				digest.update(buffer, 0, n);
			}
		}
		return HexFormat.of().formatHex(digest.digest());
	}

}
