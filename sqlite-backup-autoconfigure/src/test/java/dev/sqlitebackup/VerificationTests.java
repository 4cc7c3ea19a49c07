package dev.sqlitebackup;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Guarantee 4: every new backup is checked before it counts, its SHA-256 is recorded, and a
 * stored backup can be checked again at any time.
 */
class VerificationTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 1_000);
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void newBackupRecordsTheSha256OfItsBytesAndTheCheckItPassed() throws Exception {
		Backup backup = template(VerifyMode.QUICK).backup("app");
		Path file = this.temp.resolve("backups/app/" + backup.id() + ".sqlite");
		assertThat(backup.sha256()).isEqualTo(BackupFileCheck.sha256(file));
		assertThat(backup.verified()).isTrue();
		assertThat(backup.verification()).isEqualTo(VerifyMode.QUICK);
		assertThat(backup.pageSize()).isEqualTo(4096);
		assertThat(backup.pageCount() * backup.pageSize()).isEqualTo(backup.sizeBytes());
		assertThat(backup.sqliteVersion()).startsWith("3.");
	}

	@Test
	void fullVerificationIsRecordedWhenConfigured() {
		Backup backup = template(VerifyMode.FULL).backup("app");
		assertThat(backup.verification()).isEqualTo(VerifyMode.FULL);
		assertThat(backup.verified()).isTrue();
	}

	@Test
	void backupWithoutVerificationIsNotMarkedVerified() {
		Backup backup = template(VerifyMode.NONE).backup("app");
		assertThat(backup.verified()).isFalse();
	}

	@Test
	void backupOfADamagedDatabaseFailsInsteadOfProducingAVerifiedCopy() throws Exception {
		TestDatabases.close(this.dataSource);
		NoPartialBackupTests.corruptPage(this.temp.resolve("app.db"), 3);
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		SqliteBackupTemplate template = template(VerifyMode.QUICK);
		assertThatExceptionOfType(BackupVerificationException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("failed verification");
		assertThat(template.list("app")).isEmpty();
	}

	@Test
	void verifyOfAnIntactBackupIsValid() {
		SqliteBackupTemplate template = template(VerifyMode.QUICK);
		Backup backup = template.backup("app");
		VerificationResult result = template.verify("app", backup.id());
		assertThat(result.valid()).isTrue();
		assertThat(result.problems()).isEmpty();
	}

	@Test
	void verifyOfABackupWithAFlippedByteReportsIt() throws Exception {
		SqliteBackupTemplate template = template(VerifyMode.QUICK);
		Backup backup = template.backup("app");
		try (RandomAccessFile file = new RandomAccessFile(
				this.temp.resolve("backups/app/" + backup.id() + ".sqlite").toFile(), "rw")) {
			file.seek(5 * 4096 + 300);
			int value = file.read();
			file.seek(5 * 4096 + 300);
			file.write(value ^ 0x01);
		}
		VerificationResult result = template.verify("app", backup.id());
		assertThat(result.valid()).isFalse();
		assertThat(result.problems()).contains("SHA-256 does not match the manifest");
	}

	private SqliteBackupTemplate template(VerifyMode mode) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withVerifyMode(mode));
	}

}
