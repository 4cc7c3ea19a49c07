package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guarantee 8: a backup whose page size differs from a live WAL database is restored by rebuilding
 * a copy of it with the live page size (SQLite's backup API cannot change a WAL destination's page
 * size), never silently skipped.
 */
class PageSizeMismatchTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupWithADifferentPageSizeIsRestoredIntoALiveWalDatabase() throws Exception {
		Path file = this.temp.resolve("app.db");
		this.dataSource = TestDatabases.plain(file, Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "from the backup");
		SqliteBackupTemplate template = template();
		Backup backup = template.backup("app");
		assertThat(backup.pageSize()).isEqualTo(4096);
		changePageSize(file, 8192);
		TestDatabases.addNote(this.dataSource, "after the page size change");
		RestoreResult result = template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("from the backup");
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(TestDatabases.queryLong(connection, "PRAGMA page_size")).isEqualTo(8192);
			assertThat(TestDatabases.queryText(connection, "PRAGMA journal_mode")).isEqualTo("wal");
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
		assertThat(template.get("app", result.safetyBackupId()).pageSize()).isEqualTo(8192);
		assertThat(template.list("app")).hasSize(2);
	}

	@Test
	void backupWithADifferentPageSizeIsRestoredIntoAnInMemoryDatabase() throws Exception {
		Path file = this.temp.resolve("source.db");
		try (Connection connection = TestDatabases.open(file); var statement = connection.createStatement()) {
			statement.execute("PRAGMA page_size=16384");
			statement.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
			statement.execute("INSERT INTO note (text) VALUES ('from a 16 KiB page file')");
		}
		DataSource source = TestDatabases.plain(file, Mode.DELETE);
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.temp.resolve("backups"));
		Backup backup = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", source)), store,
				BackupOptions.defaults()).backup("app");
		assertThat(backup.pageSize()).isEqualTo(16384);
		this.dataSource = InMemoryDatabaseTests.sharedCacheMemory("pagesize");
		try (Connection keepAlive = this.dataSource.getConnection()) {
			TestDatabases.createNotes(this.dataSource, "in memory");
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
					store, BackupOptions.defaults());
			template.restore("app", backup.id());
			assertThat(TestDatabases.notes(this.dataSource)).containsExactly("from a 16 KiB page file");
		}
	}

	/** Rebuilds the live database with another page size, the only way: out of WAL, VACUUM, back. */
	private void changePageSize(Path file, int pageSize) throws Exception {
		try (Connection connection = TestDatabases.open(file); var statement = connection.createStatement()) {
			statement.execute("PRAGMA journal_mode=DELETE");
			statement.execute("PRAGMA page_size=" + pageSize);
			statement.execute("VACUUM");
			statement.execute("PRAGMA journal_mode=WAL");
			assertThat(TestDatabases.queryLong(connection, "PRAGMA page_size")).isEqualTo(pageSize);
		}
	}

	private SqliteBackupTemplate template() {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
	}

}
