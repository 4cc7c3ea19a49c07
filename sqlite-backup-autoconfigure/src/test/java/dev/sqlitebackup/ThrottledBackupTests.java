package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Duration;
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
 * The write-rate cap: a capped backup taken under a busy writer is still a consistent snapshot,
 * takes at least about as long as its size over the cap, and (in rollback-journal mode, via
 * memory) lets the writer commit while the paced part runs. Only a generous lower bound on the
 * duration is asserted; speed itself is measured in the benchmarks module.
 */
class ThrottledBackupTests {

	private static final long RATE = 4L * 1024 * 1024;

	@TempDir
	Path temp;

	@ParameterizedTest(name = "{0}, memory staging limit {1}")
	@CsvSource({ "WAL, 0", "DELETE, 268435456", "DELETE, 0" })
	void cappedBackupUnderAWriterIsConsistentAndHonoursTheCap(Mode mode, long memoryStagingLimit) throws Exception {
		DataSource dataSource = TestDatabases.create(this.temp.resolve("bank.db"), mode, true);
		try {
			TestDatabases.createAccounts(dataSource, 40_000);
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("bank", dataSource)),
					new LocalDirectoryBackupStore(this.temp.resolve("backups")),
					BackupOptions.defaults()
						.withBusyTimeout(Duration.ofSeconds(20))
						.withMaxBytesPerSecond(RATE)
						.withMemoryStagingLimit(memoryStagingLimit));
			Backup[] backup = new Backup[1];
			long transfersDuringBackup;
			long nanos;
			try (BankTransfers transfers = BankTransfers.start(dataSource, Duration.ofMillis(2))) {
				long before = transfers.committed();
				long started = System.nanoTime();
				assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
					backup[0] = template.backup("bank");
				});
				nanos = System.nanoTime() - started;
				transfersDuringBackup = transfers.committed() - before;
			}
			boolean paced = mode == Mode.WAL || memoryStagingLimit > 0;
			double floorSeconds = 0.6 * backup[0].sizeBytes() / RATE;
			if (paced) {
				assertThat(nanos / 1e9).as("seconds for %d bytes capped at %d B/s", backup[0].sizeBytes(), RATE)
					.isGreaterThan(floorSeconds);
				assertThat(transfersDuringBackup).as("writer commits while the capped copy ran").isGreaterThan(10);
			}
			// A direct rollback-journal copy is not paced (it holds the lock); only its snapshot is checked.
			BankTransfers.assertConsistent(this.temp.resolve("backups/bank/" + backup[0].id() + ".sqlite"));
		}
		finally {
			TestDatabases.close(dataSource);
		}
	}

}
