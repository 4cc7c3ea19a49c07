package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

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
			AtomicBoolean stop = new AtomicBoolean();
			AtomicLong transfers = new AtomicLong();
			List<Throwable> writerErrors = new ArrayList<>();
			Thread writer = new Thread(() -> transferUntilStopped(dataSource, stop, transfers, writerErrors));
			writer.start();
			Backup[] backup = new Backup[1];
			long transfersDuringBackup;
			long nanos;
			try {
				while (transfers.get() < 20) {
					Thread.sleep(5);
				}
				long before = transfers.get();
				long started = System.nanoTime();
				assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
					backup[0] = template.backup("bank");
				});
				nanos = System.nanoTime() - started;
				transfersDuringBackup = transfers.get() - before;
			}
			finally {
				stop.set(true);
				writer.join();
			}
			assertThat(writerErrors).isEmpty();
			boolean paced = mode == Mode.WAL || memoryStagingLimit > 0;
			double floorSeconds = 0.6 * backup[0].sizeBytes() / RATE;
			if (paced) {
				assertThat(nanos / 1e9).as("seconds for %d bytes capped at %d B/s", backup[0].sizeBytes(), RATE)
					.isGreaterThan(floorSeconds);
				assertThat(transfersDuringBackup).as("writer commits while the capped copy ran").isGreaterThan(10);
			}
			// A direct rollback-journal copy is not paced (it holds the lock); only its snapshot is checked.
			try (Connection connection = TestDatabases
				.open(this.temp.resolve("backups/bank/" + backup[0].id() + ".sqlite"))) {
				assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM account"))
					.isEqualTo(TestDatabases.ACCOUNTS);
				assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
					.isEqualTo(TestDatabases.ACCOUNTS * TestDatabases.BALANCE);
				assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
			}
		}
		finally {
			TestDatabases.close(dataSource);
		}
	}

	private static void transferUntilStopped(DataSource dataSource, AtomicBoolean stop, AtomicLong transfers,
			List<Throwable> errors) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement debit = connection
					.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?");
				PreparedStatement credit = connection
					.prepareStatement("UPDATE account SET balance = balance + ? WHERE id = ?")) {
			connection.setAutoCommit(false);
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (!stop.get()) {
				int amount = random.nextInt(1, 50);
				debit.setInt(1, amount);
				debit.setInt(2, random.nextInt(1, TestDatabases.ACCOUNTS + 1));
				debit.executeUpdate();
				credit.setInt(1, amount);
				credit.setInt(2, random.nextInt(1, TestDatabases.ACCOUNTS + 1));
				credit.executeUpdate();
				connection.commit();
				transfers.incrementAndGet();
				Thread.sleep(2);
			}
		}
		catch (SQLException | RuntimeException ex) {
			synchronized (errors) {
				errors.add(ex);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
