package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** In-memory databases, reachable only through their data source, are backed up to files and restored. */
class InMemoryDatabaseTests {

	@TempDir
	Path temp;

	@Test
	void sharedCacheMemoryDatabaseIsBackedUpAndRestored() throws Exception {
		DataSource dataSource = sharedCacheMemory("roundtrip");
		try (Connection keepAlive = dataSource.getConnection()) {
			assertRoundTrip(dataSource);
		}
	}

	@Test
	void singleConnectionPoolOfAPrivateMemoryDatabaseIsBackedUpAndRestored() throws Exception {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:sqlite::memory:");
		config.setMaximumPoolSize(1);
		config.setMinimumIdle(1);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			assertRoundTrip(dataSource);
		}
	}

	@Test
	void restoreIntoAMemoryDatabaseLockedByAnotherConnectionFailsAndChangesNothing() throws Exception {
		DataSource dataSource = sharedCacheMemory("locked");
		try (Connection holder = dataSource.getConnection()) {
			TestDatabases.createNotes(dataSource, "kept");
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("memory", dataSource)),
					new LocalDirectoryBackupStore(this.temp.resolve("backups")),
					BackupOptions.defaults().withSafetyBackup(false).withBusyTimeout(java.time.Duration.ofMillis(300)));
			Backup backup = template.backup("memory");
			TestDatabases.addNote(dataSource, "after the backup");
			holder.setAutoCommit(false);
			try (var statement = holder.createStatement()) {
				statement.executeUpdate("INSERT INTO note (text) VALUES ('uncommitted')");
			}
			assertThatExceptionOfType(SqliteBackupException.class)
				.isThrownBy(() -> template.restore("memory", backup.id()));
			holder.rollback();
			holder.setAutoCommit(true);
			assertThat(TestDatabases.notes(dataSource)).containsExactly("kept", "after the backup");
		}
	}

	private void assertRoundTrip(DataSource dataSource) throws Exception {
		TestDatabases.createNotes(dataSource, "kept");
		SqliteDatabase database = SqliteDatabase.of("memory", dataSource);
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(database),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		assertThat(database.isInMemory()).isTrue();
		Backup backup = template.backup("memory");
		assertThat(backup.journalMode()).isEqualTo("memory");
		try (Connection copy = TestDatabases.open(this.temp.resolve("backups/memory/" + backup.id() + ".sqlite"))) {
			assertThat(TestDatabases.queryText(copy, "SELECT text FROM note")).isEqualTo("kept");
		}
		TestDatabases.addNote(dataSource, "lost by the restore");
		RestoreResult result = template.restore("memory", backup.id());
		assertThat(TestDatabases.notes(dataSource)).containsExactly("kept");
		assertThat(template.get("memory", result.safetyBackupId()).trigger()).isEqualTo(BackupTrigger.SAFETY);
	}

	static DataSource sharedCacheMemory(String name) {
		SQLiteDataSource dataSource = new SQLiteDataSource();
		dataSource.setUrl("jdbc:sqlite:file:" + name + "?mode=memory&cache=shared");
		return dataSource;
	}

}
