package dev.sqlitebackup;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A small stored file that decodes to far more than the database its manifest describes is
 * stopped at the size the manifest implies, and leaves nothing in staging.
 */
class DecompressionBombTests {

	private static final long EXPANDED_BYTES = 64L * 1024 * 1024;

	@TempDir
	Path temp;

	private DataSource dataSource;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "live");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest
	@CsvSource({ "GZIP, false", "ZSTD, false", "GZIP, true", "ZSTD, true" })
	void backupThatDecodesToMoreThanItsManifestImpliesIsStoppedAndLeavesNothingBehind(BackupCodec codec,
			boolean encrypted) throws Exception {
		BackupEncryption encryption = encrypted ? BackupEncryption.of("a", EncryptionTests.key(1), Map.of()) : null;
		SqliteBackupTemplate template = template(new StoredForm(codec, encryption));
		Backup bomb = plantBomb(template, codec, encryption);
		assertThat(bomb.sizeBytes()).as("small on disk").isLessThan(EXPANDED_BYTES / 100);

		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", bomb.id()))
			.withMessageContaining("decodes to more than the 8192 bytes its manifest implies")
			.withMessageContaining("the live database was not changed");
		assertThat(stagingFiles()).isEmpty();
		assertThat(template.verify("app", bomb.id()).problems())
			.anyMatch((problem) -> problem.contains("decodes to more than the 8192 bytes"));
		assertThat(stagingFiles()).isEmpty();
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("live");
	}

	/**
	 * Zeros compress to almost nothing: 64 MiB stored in a few KiB, with a manifest claiming two
	 * pages whose size and SHA-256 match the stored bytes. An encrypted one is signed as the key's
	 * holder would, so that only the size limit can stop it.
	 */
	private Backup plantBomb(SqliteBackupTemplate template, BackupCodec codec, @Nullable BackupEncryption encryption)
			throws Exception {
		Path zeros = this.temp.resolve("zeros");
		try (RandomAccessFile file = new RandomAccessFile(zeros.toFile(), "rw")) {
			file.setLength(EXPANDED_BYTES);
		}
		Instant createdAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
		String id = BackupIds.next(createdAt);
		Backup shape = new Backup(id, "app", createdAt, 0, "", 4096, 2, "delete", "3.54.1", codec.codecName(), true,
				VerifyMode.QUICK, Duration.ofMillis(5), BackupTrigger.SCHEDULED,
				(encryption != null) ? encryption.currentKeyId() : null);
		Path stored = Files.createDirectories(this.temp.resolve("backups/app"))
			.resolve(id + ".sqlite" + StoredForm.fileSuffixOf(shape.compression(), shape.isEncrypted()));
		StoredForm.Encoded encoded = new StoredForm(codec, encryption).encode(zeros, stored, "app", id);
		Files.delete(zeros);
		Backup bomb = template.getAuthenticity()
			.sign(new Backup(id, "app", createdAt, encoded.sizeBytes(), encoded.sha256(), 4096, 2, "delete", "3.54.1",
					codec.codecName(), true, VerifyMode.QUICK, Duration.ofMillis(5), BackupTrigger.SCHEDULED,
					shape.encryptionKeyId()));
		Files.writeString(stored.resolveSibling(id + ".manifest"), ManifestFormat.write(bomb),
				StandardCharsets.ISO_8859_1);
		return bomb;
	}

	private List<Path> stagingFiles() throws Exception {
		Path staging = this.temp.resolve("backups/app/.staging");
		if (!Files.isDirectory(staging)) {
			return List.of();
		}
		try (Stream<Path> files = Files.list(staging)) {
			return files.toList();
		}
	}

	private SqliteBackupTemplate template(StoredForm form) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withStoredForm(form));
	}

}
