package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** A backup is dated when its snapshot is taken, after whatever the store did first: never before its contents. */
class BackupDatingTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void aBackupTakenAfterASlowCleanUpOfTheStoreIsDatedAfterTheRowsWrittenMeanwhile() throws Exception {
		MutableClock clock = new MutableClock(Instant.parse("2026-12-02T13:59:50Z"));
		this.dataSource = TestDatabases.plain(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.execute(this.dataSource, "CREATE TABLE item (id INTEGER PRIMARY KEY, written TEXT)");
		LocalDirectoryBackupStore slowToCleanUp = new LocalDirectoryBackupStore(this.temp.resolve("backups")) {

			@Override
			public void cleanUp(String database) throws IOException {
				super.cleanUp(database);
				// A bucket that took 49 s to list, while the application went on writing.
				clock.advance(Duration.ofSeconds(49));
				try {
					TestDatabases.execute(BackupDatingTests.this.dataSource,
							"INSERT INTO item (written) VALUES ('" + clock.instant() + "')");
				}
				catch (java.sql.SQLException ex) {
					throw new IOException(ex);
				}
			}

		};
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				slowToCleanUp, BackupOptions.defaults(), clock);

		Backup backup = template.backup("app");

		Instant written;
		try (Connection connection = this.dataSource.getConnection()) {
			written = Instant.parse(TestDatabases.queryText(connection, "SELECT written FROM item"));
		}
		assertThat(backup.createdAt()).as("the backup's date").isAfterOrEqualTo(written);
		assertThat(backup.id()).startsWith("20261202T140039");
	}

}
