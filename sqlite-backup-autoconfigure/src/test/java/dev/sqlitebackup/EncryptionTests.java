package dev.sqlitebackup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Encrypted backups: never stored in plaintext, restored only with the right key, refused when
 * tampered with, before the live database is touched.
 */
class EncryptionTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private final BackupEncryption keyA = BackupEncryption.of("a", key(1), Map.of());

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "top secret", "second");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest
	@EnumSource(BackupCodec.class)
	void encryptedBackupIsNeverStoredInPlaintextAndRestores(BackupCodec codec) throws Exception {
		SqliteBackupTemplate template = template(new StoredForm(codec, this.keyA));
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");

		Path file = file(backup, codec.fileSuffix() + ".enc");
		assertThat(file).isRegularFile().hasSize(backup.sizeBytes());
		String stored = Files.readString(file, StandardCharsets.ISO_8859_1);
		assertThat(stored).startsWith("SQLBKAES").doesNotContain("SQLite format 3").doesNotContain("top secret");
		assertThat(backup.encryptionKeyId()).isEqualTo("a");
		assertThat(backup.compression()).isEqualTo(codec.codecName());
		assertThat(manifest(backup)).contains("encryption=aes-256-gcm", "encryptionKeyId=a");
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(template.verify("app", backup.id()).valid()).isTrue();
		try (var staging = Files.list(file.resolveSibling(".staging"))) {
			assertThat(staging).as("no plain copy left behind").isEmpty();
		}

		RestoreResult result = template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("top secret", "second");
		assertThat(template.get("app", result.safetyBackupId()).encryptionKeyId()).isEqualTo("a");
	}

	@Test
	void afterKeyRotationOldBackupsRestoreWithTheOldKey() throws Exception {
		Backup old = template(new StoredForm(BackupCodec.ZSTD, this.keyA)).backup("app");
		TestDatabases.addNote(this.dataSource, "third");
		BackupEncryption rotated = BackupEncryption.of("b", key(2), Map.of("a", key(1)));
		SqliteBackupTemplate template = template(new StoredForm(BackupCodec.ZSTD, rotated));
		Backup current = template.backup("app");
		assertThat(current.encryptionKeyId()).isEqualTo("b");
		template.restore("app", old.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("top secret", "second");
		template.restore("app", current.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("top secret", "second", "third");
	}

	@Test
	void restoreWithoutTheKeyIsRefusedBeforeTheLiveDatabaseIsTouched() throws Exception {
		Backup backup = template(new StoredForm(BackupCodec.NONE, this.keyA)).backup("app");
		TestDatabases.addNote(this.dataSource, "live");

		SqliteBackupTemplate otherKeys = template(
				new StoredForm(BackupCodec.NONE, BackupEncryption.of("b", key(2), Map.of())));
		assertRefused(otherKeys, backup, "key 'a', which is not configured");

		SqliteBackupTemplate sameIdWrongKey = template(
				new StoredForm(BackupCodec.NONE, BackupEncryption.of("a", key(3), Map.of())));
		assertRefused(sameIdWrongKey, backup, "fails authentication");

		SqliteBackupTemplate noEncryption = template(StoredForm.PLAIN);
		assertRefused(noEncryption, backup, "no encryption key is configured");
		assertThat(noEncryption.verify("app", backup.id()).problems())
			.anyMatch((problem) -> problem.contains("no encryption key is configured"));
	}

	@Test
	void tamperedBackupIsRefusedEvenWhenItsManifestWasUpdatedToMatch() throws Exception {
		SqliteBackupTemplate template = template(new StoredForm(BackupCodec.GZIP, this.keyA));
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "live");
		Path file = file(backup, ".gz.enc");
		CompressionTests.flipByte(file, Files.size(file) - 20);
		assertRefused(template, backup, "SHA-256");
		CompressionTests.rewriteManifestToMatch(backup, file);
		assertRefused(template, backup, "fails authentication");
		assertThat(template.verify("app", backup.id()).problems())
			.anyMatch((problem) -> problem.contains("fails authentication"));
	}

	private void assertRefused(SqliteBackupTemplate template, Backup backup, String reason) throws Exception {
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", backup.id()))
			.withMessageContaining(reason)
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("top secret", "second", "live");
		assertThat(template.list("app")).as("no safety backup was taken").noneMatch(Backup::isSafetyBackup);
	}

	private SqliteBackupTemplate template(StoredForm form) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withStoredForm(form));
	}

	private Path file(Backup backup, String suffix) {
		return this.temp.resolve("backups/app/" + backup.id() + ".sqlite" + suffix);
	}

	private String manifest(Backup backup) throws Exception {
		return Files.readString(this.temp.resolve("backups/app/" + backup.id() + ".manifest"),
				StandardCharsets.ISO_8859_1);
	}

	static byte[] key(int seed) {
		byte[] key = new byte[32];
		new Random(seed).nextBytes(key);
		return key;
	}

}
