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
			AtomicBoolean stop = new AtomicBoolean();
			AtomicLong transfers = new AtomicLong();
			List<Throwable> writerErrors = new ArrayList<>();
			Thread writer = new Thread(() -> transferUntilStopped(dataSource, stop, transfers, writerErrors));
			writer.start();
			List<Backup> backups = new ArrayList<>();
			try {
				while (transfers.get() < 20) {
					Thread.sleep(5);
				}
				assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
					for (int i = 0; i < BACKUPS; i++) {
						backups.add(template.backup("bank"));
					}
				}, "a backup under a busy writer must finish");
			}
			finally {
				stop.set(true);
				writer.join();
			}
			assertThat(writerErrors).isEmpty();
			assertThat(transfers.get()).as("transfers committed").isGreaterThan(20);
			for (Backup backup : backups) {
				try (Connection connection = TestDatabases.open(this.temp.resolve("backups/bank/" + backup.id() + ".sqlite"))) {
					assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM account"))
						.isEqualTo(TestDatabases.ACCOUNTS);
					assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
						.isEqualTo(TestDatabases.ACCOUNTS * TestDatabases.BALANCE);
					assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
				}
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
			}
		}
		catch (SQLException | RuntimeException ex) {
			synchronized (errors) {
				errors.add(ex);
			}
		}
	}

}
