package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rollback-journal backups that go through memory (the default while memory allows): the copy
 * keeps a page size other than SQLite's default, holds every row, and reports its two passes as
 * one growing total.
 */
class MemoryStagingTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupOfARollbackJournalDatabaseWithLargePagesKeepsPagesAndRows() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.DELETE);
		TestDatabases.execute(this.dataSource, "PRAGMA page_size=16384");
		TestDatabases.createAccounts(this.dataSource, 2_000);
		List<OperationStatus> progress = new CopyOnWriteArrayList<>();
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withPagesPerStep(4));
		template.addListener(new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				progress.add(status);
			}

		});
		Backup backup = template.backup("app");
		assertThat(backup.pageSize()).isEqualTo(16384);
		try (Connection connection = TestDatabases.open(this.temp.resolve("backups/app/" + backup.id() + ".sqlite"))) {
			assertThat(TestDatabases.queryLong(connection, "PRAGMA page_size")).isEqualTo(16384);
			assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
				.isEqualTo(TestDatabases.ACCOUNTS * TestDatabases.BALANCE);
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
		assertThat(progress).extracting(OperationStatus::pagesDone).isSorted();
		// Two passes (into memory, then to the file) each report half of the total.
		assertThat(progress).anySatisfy((status) -> assertThat(status.pagesDone()).isEqualTo(backup.pageCount() / 2));
		assertThat(progress.get(progress.size() - 1).pagesDone()).isEqualTo(backup.pageCount());
	}

}
