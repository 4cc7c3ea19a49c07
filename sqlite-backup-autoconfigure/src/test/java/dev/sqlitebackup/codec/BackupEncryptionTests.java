package dev.sqlitebackup.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The chunked AES-256-GCM stream format: round trips, and every kind of tampering is detected. */
class BackupEncryptionTests {

	private static final int CHUNK = 1000;

	private static final String ID = "20260101T000000000Z-000000";

	private static final int HEADER = 8 + 1 + 4 + 1 + "k1".length() + 32;

	private static final int SEALED_CHUNK = CHUNK + 16;

	private final byte[] key1 = key(1);

	private final BackupEncryption encryption = BackupEncryption.of("k1", this.key1, Map.of());

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 5 * CHUNK + 7 })
	void roundTripOfEverySize(int size) throws IOException {
		byte[] plain = plain(size);
		byte[] sealed = encrypt(plain);
		int chunks = Math.max(1, (size + CHUNK - 1) / CHUNK);
		assertThat(sealed).hasSize(HEADER + size + 16 * chunks);
		assertThat(decrypt(this.encryption, sealed)).isEqualTo(plain);
	}

	@Test
	void defaultChunkSizeRoundTripsThroughThePublicApi() throws IOException {
		byte[] plain = plain(700_000);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (OutputStream encrypting = this.encryption.encrypt(out, "db", ID)) {
			encrypting.write(plain);
		}
		try (InputStream in = this.encryption.decrypt(new ByteArrayInputStream(out.toByteArray()), "db", ID, false)) {
			assertThat(in.readAllBytes()).isEqualTo(plain);
		}
	}

	@Test
	void ciphertextHoldsNoPlaintextAndDiffersEveryTime() throws IOException {
		byte[] plain = "SQLite format 3\0 secret rows secret rows secret rows".repeat(100)
			.getBytes(StandardCharsets.US_ASCII);
		byte[] first = encrypt(plain);
		byte[] second = encrypt(plain);
		String text = new String(first, StandardCharsets.ISO_8859_1);
		assertThat(text).startsWith("SQLBKAES").doesNotContain("SQLite format").doesNotContain("secret");
		assertThat(Arrays.copyOfRange(first, HEADER, first.length))
			.isNotEqualTo(Arrays.copyOfRange(second, HEADER, second.length));
	}

	@Test
	void flippedBitInAChunkIsDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		sealed[HEADER + SEALED_CHUNK + 10] ^= 1;
		assertRefused(sealed, "chunk 1");
	}

	@Test
	void flippedBitInTheHeaderIsDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		sealed[HEADER - 5] ^= 1; // in the salt
		assertRefused(sealed, "chunk 0");
	}

	@Test
	void backupCutAtAChunkBoundaryIsDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		assertRefused(Arrays.copyOf(sealed, HEADER + 2 * SEALED_CHUNK), "chunk 1");
	}

	@Test
	void backupCutInsideAChunkIsDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		assertRefused(Arrays.copyOf(sealed, sealed.length - 100), "chunk 2");
		assertRefused(Arrays.copyOf(sealed, HEADER + 3), "cut short");
		assertRefused(Arrays.copyOf(sealed, 20), "cut short");
	}

	@Test
	void appendedBytesAreDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
		assertRefused(longer, "chunk");
	}

	@Test
	void reorderedChunksAreDetected() throws IOException {
		byte[] sealed = encrypt(plain(3 * CHUNK));
		byte[] swapped = sealed.clone();
		System.arraycopy(sealed, HEADER, swapped, HEADER + SEALED_CHUNK, SEALED_CHUNK);
		System.arraycopy(sealed, HEADER + SEALED_CHUNK, swapped, HEADER, SEALED_CHUNK);
		assertRefused(swapped, "chunk 0");
	}

	@Test
	void wrongKeyUnderTheSameIdIsRefused() throws IOException {
		byte[] sealed = encrypt(plain(10));
		BackupEncryption other = BackupEncryption.of("k1", key(2), Map.of());
		assertThatExceptionOfType(BackupDecryptionException.class).isThrownBy(() -> decrypt(other, sealed))
			.withMessageContaining("key 'k1' is not the key it was encrypted with");
	}

	@Test
	void unknownKeyIdIsRefusedAndOldKeysStillDecrypt() throws IOException {
		byte[] sealed = encrypt(plain(2 * CHUNK));
		BackupEncryption rotated = BackupEncryption.of("k2", key(2), Map.of());
		assertThatExceptionOfType(BackupDecryptionException.class).isThrownBy(() -> decrypt(rotated, sealed))
			.withMessageContaining("key 'k1', which is not configured");
		BackupEncryption withOldKey = BackupEncryption.of("k2", key(2), Map.of("k1", this.key1));
		assertThat(decrypt(withOldKey, sealed)).isEqualTo(plain(2 * CHUNK));
	}

	@Test
	void streamDoesNotDecryptAsAnotherBackupOrDatabase() throws IOException {
		byte[] sealed = encrypt(plain(2 * CHUNK));
		for (String[] other : new String[][] { { "db", "20260101T000000001Z-000000" }, { "other", ID } }) {
			assertThatExceptionOfType(BackupDecryptionException.class)
				.isThrownBy(() -> decrypt(this.encryption, sealed, other[0], other[1], true))
				.withMessageContaining("chunk 0")
				.withMessageContaining("belongs to another backup");
		}
	}

	@Test
	void unboundStreamOfAnOlderVersionIsReadOnlyWhenAccepted() throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (OutputStream encrypting = this.encryption.encryptUnbound(out, CHUNK)) {
			encrypting.write(plain(2 * CHUNK));
		}
		byte[] sealed = out.toByteArray();
		assertThat(sealed[8]).as("format version").isEqualTo((byte) 1);
		assertThat(decrypt(this.encryption, sealed, "any", "20260101T000000001Z-000000", true))
			.isEqualTo(plain(2 * CHUNK));
		assertThatExceptionOfType(BackupDecryptionException.class)
			.isThrownBy(() -> decrypt(this.encryption, sealed, "db", ID, false))
			.withMessageContaining("format 1");
	}

	@Test
	void manifestMacUsesItsOwnKeyAndDependsOnEveryByte() throws IOException {
		byte[] content = "some manifest content".getBytes(StandardCharsets.US_ASCII);
		String mac = this.encryption.manifestMac("k1", content);
		assertThat(mac).matches("[0-9a-f]{64}");
		assertThat(this.encryption.isManifestMacValid("k1", content, mac)).isTrue();
		content[3] ^= 1;
		assertThat(this.encryption.isManifestMacValid("k1", content, mac)).isFalse();
		content[3] ^= 1;
		assertThat(BackupEncryption.of("k1", key(2), Map.of()).isManifestMacValid("k1", content, mac)).isFalse();
		assertThatExceptionOfType(BackupDecryptionException.class)
			.isThrownBy(() -> this.encryption.manifestMac("k9", content))
			.withMessageContaining("key 'k9', which is not configured");
	}

	@Test
	void notAnEncryptedStreamIsRefused() {
		assertRefused("SQLite format 3\0 and more bytes after it".getBytes(StandardCharsets.US_ASCII),
				"not an encrypted backup");
	}

	@Test
	void keysAreCheckedWithoutRevealingThem() {
		String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
		assertThatIllegalArgumentException().isThrownBy(() -> BackupEncryption.decodeKey("k", shortKey))
			.withMessageContaining("has 16 bytes")
			.withMessageNotContaining(shortKey);
		assertThatIllegalArgumentException().isThrownBy(() -> BackupEncryption.decodeKey("k", "not base64!"))
			.withMessageContaining("not valid base64")
			.withMessageNotContaining("not base64!");
		assertThatIllegalArgumentException().isThrownBy(() -> BackupEncryption.decodeKey("k", " "))
			.withMessageContaining("empty");
		String good = Base64.getEncoder().encodeToString(this.key1);
		assertThat(BackupEncryption.decodeKey("k", good)).isEqualTo(this.key1);
		assertThat(BackupEncryption.decodeKey("k", Base64.getUrlEncoder().encodeToString(this.key1)))
			.isEqualTo(this.key1);
		assertThatIllegalArgumentException().isThrownBy(() -> BackupEncryption.of("bad id!", this.key1, Map.of()));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> BackupEncryption.of("k1", this.key1, Map.of("k1", key(2))))
			.withMessageContaining("two different keys");
		assertThat(this.encryption.toString()).doesNotContain(good);
	}

	private byte[] encrypt(byte[] plain) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (OutputStream encrypting = this.encryption.encrypt(out, "db", ID, CHUNK)) {
			// Odd-sized writes, so that chunk boundaries fall inside them.
			for (int i = 0; i < plain.length; i += 333) {
				encrypting.write(plain, i, Math.min(333, plain.length - i));
			}
		}
		return out.toByteArray();
	}

	private static byte[] decrypt(BackupEncryption encryption, byte[] sealed) throws IOException {
		return decrypt(encryption, sealed, "db", ID, false);
	}

	private static byte[] decrypt(BackupEncryption encryption, byte[] sealed, String database, String backupId,
			boolean acceptUnbound) throws IOException {
		try (InputStream in = encryption.decrypt(new ByteArrayInputStream(sealed), database, backupId, acceptUnbound)) {
			return in.readAllBytes();
		}
	}

	private void assertRefused(byte[] sealed, String message) {
		assertThatExceptionOfType(BackupDecryptionException.class).isThrownBy(() -> decrypt(this.encryption, sealed))
			.withMessageContaining(message);
	}

	private static byte[] plain(int size) {
		byte[] bytes = new byte[size];
		new Random(size).nextBytes(bytes);
		return bytes;
	}

	private static byte[] key(int seed) {
		byte[] key = new byte[32];
		new Random(seed).nextBytes(key);
		return key;
	}

}
