package dev.sqlitebackup;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Damaged backups: listing skips what it cannot account for, verify reports the rest, and restore
 * refuses before touching the live database.
 */
class CorruptionTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private Backup older;

	private Backup backup;

	private Path directory;

	@BeforeEach
	void createBackups() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "older");
		TestDatabases.execute(this.dataSource, "CREATE TABLE filler (data BLOB)");
		TestDatabases.execute(this.dataSource, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
				+ "WHERE i < 50) INSERT INTO filler SELECT randomblob(5000) FROM n");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		this.older = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "newer");
		this.backup = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "live");
		this.directory = this.temp.resolve("backups/app");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void flippedByteIsReportedByVerifyAndRefusedByRestore() throws Exception {
		try (RandomAccessFile file = new RandomAccessFile(data(this.backup).toFile(), "rw")) {
			file.seek(4096 * 3 + 17);
			int value = file.read();
			file.seek(4096 * 3 + 17);
			file.write(value ^ 0x10);
		}
		assertReportedAndRefused("SHA-256");
	}

	@Test
	void truncatedBackupIsReportedByVerifyAndRefusedByRestore() throws Exception {
		try (RandomAccessFile file = new RandomAccessFile(data(this.backup).toFile(), "rw")) {
			file.setLength(file.length() / 2);
		}
		assertReportedAndRefused("bytes");
	}

	@Test
	void backupSwappedForAnotherIsReportedByVerifyAndRefusedByRestore() throws Exception {
		Files.copy(data(this.older), data(this.backup), StandardCopyOption.REPLACE_EXISTING);
		assertReportedAndRefused("SHA-256");
	}

	@Test
	void manifestEditedToAnotherChecksumIsReportedByVerifyAndRefusedByRestore() throws Exception {
		Path manifest = manifest(this.backup);
		String text = Files.readString(manifest, StandardCharsets.ISO_8859_1);
		Files.writeString(manifest, text.replace(this.backup.sha256(), "0".repeat(64)), StandardCharsets.ISO_8859_1);
		assertReportedAndRefused("SHA-256");
	}

	@Test
	void unreadableManifestIsSkippedByListingAndRestoreFindsNothing() throws Exception {
		Files.writeString(manifest(this.backup), "format=1\nid=garbage\n", StandardCharsets.ISO_8859_1);
		assertSkippedAndRefused();
	}

	@Test
	void deletedManifestIsSkippedByListingAndRestoreFindsNothing() throws Exception {
		Files.delete(manifest(this.backup));
		assertSkippedAndRefused();
	}

	@Test
	void manifestOfAnotherBackupIsSkippedByListing() throws Exception {
		Files.copy(manifest(this.older), manifest(this.backup), StandardCopyOption.REPLACE_EXISTING);
		assertSkippedAndRefused();
	}

	private void assertReportedAndRefused(String problem) throws Exception {
		VerificationResult result = this.template.verify("app", this.backup.id());
		assertThat(result.valid()).isFalse();
		assertThat(String.join("; ", result.problems())).contains(problem);
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> this.template.restore("app", this.backup.id()))
			.withMessageContaining("the live database was not changed");
		assertLiveUntouched();
	}

	private void assertSkippedAndRefused() throws Exception {
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(this.older.id());
		assertThatExceptionOfType(BackupNotFoundException.class)
			.isThrownBy(() -> this.template.restore("app", this.backup.id()));
		assertLiveUntouched();
	}

	private void assertLiveUntouched() throws Exception {
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("older", "newer", "live");
		assertThat(this.template.list("app")).noneMatch(Backup::isSafetyBackup);
	}

	private Path data(Backup backup) {
		return this.directory.resolve(backup.id() + ".sqlite");
	}

	private Path manifest(Backup backup) {
		return this.directory.resolve(backup.id() + ".manifest");
	}

}
