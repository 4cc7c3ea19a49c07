package dev.sqlitebackup.codec;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Encoding and decoding files: compress, then encrypt, and back. */
class StoredFormTests {

	private static final String ID = "20260101T000000000Z-000000";

	@TempDir
	Path temp;

	private final BackupEncryption encryption = BackupEncryption.of("k", new byte[32], Map.of());

	@ParameterizedTest
	@EnumSource(BackupCodec.class)
	void encodedFileDecodesToTheSameBytes(BackupCodec codec) throws Exception {
		byte[] plain = "row of data ".repeat(50_000).getBytes(StandardCharsets.US_ASCII);
		Files.write(this.temp.resolve("plain"), plain);
		StoredForm form = new StoredForm(codec, this.encryption);
		StoredForm.Encoded encoded = form.encode(this.temp.resolve("plain"), this.temp.resolve("stored"), "db", ID);
		assertThat(this.temp.resolve("stored")).hasSize(encoded.sizeBytes());
		form.decode(backup(codec, encoded.sizeBytes(), plain.length).encoding(), this.temp.resolve("stored"), this.temp.resolve("decoded"));
		assertThat(this.temp.resolve("decoded")).hasBinaryContent(plain);
	}

	@ParameterizedTest
	@EnumSource(value = BackupCodec.class, names = { "GZIP", "ZSTD" })
	void chunksAfterTheEndOfTheCompressedDataAreStillAuthenticated(BackupCodec codec) throws Exception {
		ByteArrayOutputStream compressed = new ByteArrayOutputStream();
		try (OutputStream out = codec.compress(compressed)) {
			out.write("the real backup".getBytes(StandardCharsets.US_ASCII));
		}
		ByteArrayOutputStream sealed = new ByteArrayOutputStream();
		try (OutputStream out = this.encryption.encrypt(sealed, "db", ID)) {
			out.write(compressed.toByteArray());
			// Several chunks that a decompressor, done with its data, would never read.
			out.write(new byte[600 * 1024]);
		}
		byte[] bytes = sealed.toByteArray();
		bytes[bytes.length - 10] ^= 1;
		Files.write(this.temp.resolve("stored"), bytes);
		// gzip stops reading at the end of its member, so the check after it is what notices; zstd
		// reads on by itself.
		assertThatExceptionOfType(java.io.IOException.class)
			.isThrownBy(() -> new StoredForm(codec, this.encryption).decode(backup(codec, bytes.length, 4096).encoding(),
					this.temp.resolve("stored"), this.temp.resolve("decoded")));
	}

	/** A manifest of a backup whose plain file has at least {@code plainBytes} bytes. */
	private static Backup backup(BackupCodec codec, long size, long plainBytes) {
		return new Backup(ID, "db", Instant.EPOCH, size, "0".repeat(64), 4096, Math.max(1, (plainBytes + 4095) / 4096), "wal",
				"3", codec.codecName(), true, VerifyMode.QUICK, Duration.ZERO, BackupTrigger.MANUAL, "k");
	}

}
