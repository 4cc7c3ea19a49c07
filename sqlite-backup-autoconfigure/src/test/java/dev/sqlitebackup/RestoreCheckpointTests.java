package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore into a WAL database leaves the restored pages in the database file, not in a WAL as
 * large as the database that the application's next commit would have to checkpoint.
 */
class RestoreCheckpointTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 20_000);
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void restoreIntoAWalDatabaseLeavesItsPagesInTheDatabaseFile() throws Exception {
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
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

}
