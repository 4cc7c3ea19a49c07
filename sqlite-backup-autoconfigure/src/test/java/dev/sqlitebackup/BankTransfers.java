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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A writer that keeps moving money between the accounts of {@link TestDatabases#createAccounts} in
 * small transactions until closed; any consistent snapshot keeps the total.
 */
final class BankTransfers implements AutoCloseable {

	private final AtomicBoolean stop = new AtomicBoolean();

	private final AtomicLong committed = new AtomicLong();

	private final List<Throwable> errors = new ArrayList<>();

	private final Thread thread;

	private BankTransfers(DataSource dataSource, Duration pause) {
		this.thread = new Thread(() -> transferUntilStopped(dataSource, pause));
	}

	/** Starts the writer and returns once it has committed a few transfers. */
	static BankTransfers start(DataSource dataSource, Duration pause) throws InterruptedException {
		BankTransfers transfers = new BankTransfers(dataSource, pause);
		transfers.thread.start();
		while (transfers.committed() < 20 && transfers.thread.isAlive()) {
			Thread.sleep(5);
		}
		return transfers;
	}

	/** Transfers committed so far. */
	long committed() {
		return this.committed.get();
	}

	/** Stops the writer and fails if any of its transactions failed. */
	@Override
	public void close() throws InterruptedException {
		this.stop.set(true);
		this.thread.join();
		synchronized (this.errors) {
			assertThat(this.errors).as("writer errors").isEmpty();
		}
	}

	/** The backup file holds every account and the unchanged total, and is intact. */
	static void assertConsistent(Path backupFile) throws SQLException {
		try (Connection connection = TestDatabases.open(backupFile)) {
			assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM account"))
				.isEqualTo(TestDatabases.ACCOUNTS);
			assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
				.isEqualTo(TestDatabases.ACCOUNTS * TestDatabases.BALANCE);
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
	}

	private void transferUntilStopped(DataSource dataSource, Duration pause) {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement debit = connection
					.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?");
				PreparedStatement credit = connection
					.prepareStatement("UPDATE account SET balance = balance + ? WHERE id = ?")) {
			connection.setAutoCommit(false);
			ThreadLocalRandom random = ThreadLocalRandom.current();
			while (!this.stop.get()) {
				int amount = random.nextInt(1, 50);
				debit.setInt(1, amount);
				debit.setInt(2, random.nextInt(1, TestDatabases.ACCOUNTS + 1));
				debit.executeUpdate();
				credit.setInt(1, amount);
				credit.setInt(2, random.nextInt(1, TestDatabases.ACCOUNTS + 1));
				credit.executeUpdate();
				connection.commit();
				this.committed.incrementAndGet();
				if (!pause.isZero()) {
					Thread.sleep(pause.toMillis());
				}
			}
		}
		catch (SQLException | RuntimeException ex) {
			synchronized (this.errors) {
				this.errors.add(ex);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
