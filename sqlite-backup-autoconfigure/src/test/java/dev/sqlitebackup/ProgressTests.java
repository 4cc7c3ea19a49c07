package dev.sqlitebackup;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Guarantee 7: listeners see pages done out of the total during a copy. */
class ProgressTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private final List<OperationStatus> seen = new CopyOnWriteArrayList<>();

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 4_000);
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withPagesPerStep(32).withSafetyBackup(false));
		this.template.addListener(new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				ProgressTests.this.seen.add(status);
			}

		});
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupReportsGrowingProgressUpToTheTotal() {
		Backup backup = this.template.backup("app");
		assertThat(this.seen).hasSizeGreaterThan(3);
		assertThat(this.seen).allSatisfy((status) -> {
			assertThat(status.type()).isEqualTo(OperationType.BACKUP);
			assertThat(status.pagesTotal()).isEqualTo(backup.pageCount());
		});
		assertThat(this.seen).extracting(OperationStatus::pagesDone).isSorted();
		assertThat(this.seen.get(this.seen.size() - 1).pagesDone()).isEqualTo(backup.pageCount());
		assertThat(this.seen.get(this.seen.size() - 1).fractionDone()).isEqualTo(1.0);
	}

	@Test
	void restoreReportsProgressToo() {
		Backup backup = this.template.backup("app");
		this.seen.clear();
		this.template.restore("app", backup.id());
		assertThat(this.seen).hasSizeGreaterThan(3)
			.allSatisfy((status) -> assertThat(status.type()).isEqualTo(OperationType.RESTORE));
		assertThat(this.seen.get(this.seen.size() - 1).pagesDone()).isEqualTo(backup.pageCount());
	}

}
