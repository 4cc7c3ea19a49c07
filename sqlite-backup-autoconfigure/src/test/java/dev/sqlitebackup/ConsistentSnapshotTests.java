package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Guarantee 1: every backup taken while a writer keeps moving money between accounts is a
 * complete, consistent snapshot (the total never changes), and the copy finishes even though
 * the writer commits far faster than one copy pass takes.
 */
class ConsistentSnapshotTests {

	private static final int BACKUPS = 3;

	@TempDir
	Path temp;

	@ParameterizedTest(name = "{0}, pooled={1}")
	@CsvSource({ "WAL, true", "WAL, false", "DELETE, true", "DELETE, false" })
	void everyBackupTakenUnderAWriterKeepsTheInvariant(Mode mode, boolean pooled) throws Exception {
		DataSource dataSource = TestDatabases.create(this.temp.resolve("bank.db"), mode, pooled);
		try {
			// ~8 MB in 4 KiB pages: with 16 pages a step, one pass takes far longer than the gap
			// between two of the writer's commits, so a copy that writers could restart would never end.
			TestDatabases.createAccounts(dataSource, 40_000);
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("bank", dataSource)),
					new LocalDirectoryBackupStore(this.temp.resolve("backups")),
					BackupOptions.defaults().withPagesPerStep(16).withBusyTimeout(Duration.ofSeconds(20)));
			List<Backup> backups = new ArrayList<>();
			try (BankTransfers transfers = BankTransfers.start(dataSource, Duration.ZERO)) {
				assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
					for (int i = 0; i < BACKUPS; i++) {
						backups.add(template.backup("bank"));
					}
				}, "a backup under a busy writer must finish");
			}
			for (Backup backup : backups) {
				BankTransfers.assertConsistent(this.temp.resolve("backups/bank/" + backup.id() + ".sqlite"));
			}
		}
		finally {
			TestDatabases.close(dataSource);
		}
	}

}
