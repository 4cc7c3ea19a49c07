package dev.sqlitebackup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Guarantee 3: no operation reports success when it did not happen. Each failed restore leaves
 * the live data exactly as it was; each bad backup is rejected before the live database is
 * touched.
 */
class NoFalseSuccessTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void restoreWhileAnotherConnectionHoldsAWriteTransactionFailsAndChangesNothing(Mode mode) throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), mode);
		TestDatabases.createNotes(this.dataSource, "in the backup");
		SqliteBackupTemplate template = template(BackupOptions.defaults()
			.withBusyTimeout(Duration.ofMillis(500))
			.withSafetyBackup(false));
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		try (Connection holder = this.dataSource.getConnection(); Statement statement = holder.createStatement()) {
			holder.setAutoCommit(false);
			statement.executeUpdate("INSERT INTO note (text) VALUES ('uncommitted')");
			assertThatExceptionOfType(RestoreFailedException.class)
				.isThrownBy(() -> template.restore("app", backup.id()))
				.withMessageContaining("SQLITE_BUSY")
				.withMessageContaining("the live database was not changed");
			holder.rollback();
		}
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("in the backup", "after the backup");
	}

	@Test
	void restoreWhileAnotherConnectionHoldsAReadTransactionInRollbackModeFailsAndChangesNothing() throws Exception {
		// sqlite-jdbc's own restore() was measured returning 0 (success) in exactly this situation.
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.DELETE);
		TestDatabases.createNotes(this.dataSource, "in the backup");
		SqliteBackupTemplate template = template(BackupOptions.defaults()
			.withBusyTimeout(Duration.ofMillis(500))
			.withSafetyBackup(false));
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		try (Connection reader = this.dataSource.getConnection()) {
			reader.setAutoCommit(false);
			assertThat(TestDatabases.queryLong(reader, "SELECT count(*) FROM note")).isEqualTo(2);
			assertThatExceptionOfType(RestoreFailedException.class)
				.isThrownBy(() -> template.restore("app", backup.id()))
				.withMessageContaining("SQLITE_BUSY");
			reader.rollback();
		}
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("in the backup", "after the backup");
	}

	@Test
	void restoreOfATruncatedBackupIsRejectedBeforeTouchingTheLiveDatabase() throws Exception {
		Fixture fixture = fixture();
		Path file = fixture.file();
		try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
			raf.setLength(raf.length() - 4096);
		}
		assertRejected(fixture, "bytes but its manifest says");
	}

	@Test
	void restoreOfATruncatedBackupWithAMatchingManifestIsStillRejected() throws Exception {
		Fixture fixture = fixture();
		try (RandomAccessFile raf = new RandomAccessFile(fixture.file().toFile(), "rw")) {
			raf.setLength(raf.length() - 4096);
		}
		rewriteManifestToMatch(fixture);
		assertRejected(fixture, "truncated");
	}

	@Test
	void restoreOfAFileThatIsNotSqliteIsRejected() throws Exception {
		Fixture fixture = fixture();
		Files.write(fixture.file(), "this is not a database, just some text padded out".repeat(500)
			.getBytes(StandardCharsets.UTF_8));
		rewriteManifestToMatch(fixture);
		assertRejected(fixture, "not a SQLite database");
	}

	@Test
	void restoreOfABackupWhoseBytesNoLongerMatchItsSha256IsRejected() throws Exception {
		Fixture fixture = fixture();
		try (RandomAccessFile raf = new RandomAccessFile(fixture.file().toFile(), "rw")) {
			raf.seek(raf.length() - 100);
			int value = raf.read();
			raf.seek(raf.length() - 100);
			raf.write(value ^ 0xFF);
		}
		assertRejected(fixture, "no longer match the SHA-256");
	}

	@Test
	void backupIntoADirectoryThatCannotBeCreatedFailsClearly() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "x");
		Path notADirectory = this.temp.resolve("plain-file");
		Files.writeString(notADirectory, "a file where the backup directory should be");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(notADirectory.resolve("backups")), BackupOptions.defaults());
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("cannot prepare backup storage")
			.withMessageContaining(notADirectory.toString());
		assertThat(template.list("app")).isEmpty();
	}

	private void assertRejected(Fixture fixture, String reason) throws Exception {
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> fixture.template().restore("app", fixture.backup().id()))
			.withMessageContaining(reason)
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("in the backup", "after the backup");
		assertThat(fixture.template().list("app")).as("no safety backup was taken").hasSize(1);
	}

	private Fixture fixture() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "in the backup");
		TestDatabases.execute(this.dataSource, "CREATE TABLE filler (data BLOB)");
		TestDatabases.execute(this.dataSource, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) "
				+ "INSERT INTO filler SELECT randomblob(10000) FROM n");
		SqliteBackupTemplate template = template(BackupOptions.defaults());
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		return new Fixture(template, backup, this.temp.resolve("backups/app/" + backup.id() + ".sqlite"));
	}

	/** Makes the manifest agree with the damaged file, so that only the file checks can catch it. */
	private void rewriteManifestToMatch(Fixture fixture) throws IOException {
		Path manifest = fixture.file().resolveSibling(fixture.backup().id() + ".manifest");
		Backup old = ManifestFormat.read(new StringReader(Files.readString(manifest, StandardCharsets.ISO_8859_1)));
		long size = Files.size(fixture.file());
		String sha = BackupFileCheck.sha256(fixture.file());
		Backup rewritten = new Backup(old.id(), old.database(), old.createdAt(), size, sha, old.pageSize(),
				old.pageCount(), old.journalMode(), old.sqliteVersion(), old.compression(), old.verified(),
				old.verification(), old.duration(), old.trigger());
		Files.writeString(manifest, ManifestFormat.write(rewritten), StandardCharsets.ISO_8859_1);
	}

	private SqliteBackupTemplate template(BackupOptions options) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), options);
	}

	private record Fixture(SqliteBackupTemplate template, Backup backup, Path file) {
	}

}
