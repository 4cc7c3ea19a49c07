package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.engine.ContentDigest;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Backup and restore of file databases in both journal modes, pooled and plain. */
class BackupRoundTripTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest(name = "{0}, pooled={1}")
	@CsvSource({ "WAL, true", "WAL, false", "DELETE, true", "DELETE, false" })
	void restoreBringsBackTheStateOfTheBackup(Mode mode, boolean pooled) throws Exception {
		this.dataSource = TestDatabases.create(this.temp.resolve("app.db"), mode, pooled);
		TestDatabases.createNotes(this.dataSource, "first", "second");
		SqliteBackupTemplate template = template(this.dataSource);
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		RestoreResult result = template.restore("app", backup.id());
		assertThat(result.restoredFrom()).isEqualTo(backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA journal_mode")).isEqualToIgnoringCase(mode.name());
		}
	}

	@ParameterizedTest(name = "{0}, pooled={1}")
	@CsvSource({ "WAL, true", "DELETE, false" })
	void backupIsAPlainSelfContainedSqliteFile(Mode mode, boolean pooled) throws Exception {
		this.dataSource = TestDatabases.create(this.temp.resolve("app.db"), mode, pooled);
		TestDatabases.createNotes(this.dataSource, "kept");
		SqliteBackupTemplate template = template(this.dataSource);
		Backup backup = template.backup("app");
		Path file = this.temp.resolve("backups/app/" + backup.id() + ".sqlite");
		assertThat(file).isRegularFile().hasSize(backup.sizeBytes());
		assertThat(file.resolveSibling(backup.id() + ".sqlite-wal")).doesNotExist();
		try (Connection connection = TestDatabases.open(file)) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
			assertThat(TestDatabases.queryText(connection, "PRAGMA journal_mode")).isEqualTo("delete");
			assertThat(TestDatabases.queryText(connection, "SELECT text FROM note")).isEqualTo("kept");
		}
		assertThat(backup.journalMode()).isEqualToIgnoringCase(mode.name());
		assertThat(backup.trigger()).isEqualTo(BackupTrigger.MANUAL);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "WAL", "DELETE" })
	void listShowsBackupsNewestFirst(Mode mode) throws Exception {
		this.dataSource = TestDatabases.create(this.temp.resolve("app.db"), mode, true);
		TestDatabases.createNotes(this.dataSource, "x");
		SqliteBackupTemplate template = template(this.dataSource);
		Backup first = template.backup("app");
		Thread.sleep(5);
		Backup second = template.backup("app");
		List<Backup> listed = template.list("app");
		assertThat(listed).extracting(Backup::id).containsExactly(second.id(), first.id());
		assertThat(second.id()).isGreaterThan(first.id());
		assertThat(template.get("app", first.id())).isEqualTo(first);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "WAL", "DELETE" })
	void emptyDatabaseIsBackedUpAndRestored(Mode mode) throws Exception {
		this.dataSource = TestDatabases.create(this.temp.resolve("app.db"), mode, false);
		SqliteBackupTemplate template = template(this.dataSource);
		Backup backup = template.backup("app");
		TestDatabases.createNotes(this.dataSource, "created after the backup");
		template.restore("app", backup.id());
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM sqlite_schema")).isZero();
		}
	}

	// The backup API commits a restore into the WAL without the automatic checkpoint; with the
	// application's pool open nobody else would checkpoint it before its next commit.
	@Test
	void restoreIntoAWalDatabaseLeavesItsPagesInTheDatabaseFile() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 20_000);
		SqliteBackupTemplate template = template(this.dataSource);
		Backup backup = template.backup("app");
		String backedUp = digest();
		TestDatabases.execute(this.dataSource, "UPDATE account SET balance = balance + 1");
		TestDatabases.execute(this.dataSource, "PRAGMA wal_checkpoint(TRUNCATE)");
		Path wal = this.temp.resolve("app.db-wal");
		assertThat(Files.size(wal)).as("WAL before the restore").isZero();

		template.restore("app", backup.id(), false);

		assertThat(Files.size(wal)).as("WAL after the restore").isZero();
		assertThat(digest()).isEqualTo(backedUp);
	}

	private String digest() throws Exception {
		try (Connection connection = this.dataSource.getConnection()) {
			return ContentDigest.of(connection);
		}
	}

	private SqliteBackupTemplate template(DataSource dataSource) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
	}

}
