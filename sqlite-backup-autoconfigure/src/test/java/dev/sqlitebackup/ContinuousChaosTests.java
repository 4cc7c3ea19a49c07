package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous backup under chaos, bounded to well under a minute: a capturing child process that
 * also writes, a writer in this JVM's pool, random checkpoints of every mode from another
 * connection, the capturing process killed with {@code kill -9} and restarted. Then restores to the
 * latest point and to random instants must hold exactly what the contract promises.
 */
class ContinuousChaosTests {

	private static final long SYNC_MILLIS = 100;

	/** What a pass may add to the sync interval on a busy machine before a transaction counts as captured. */
	private static final long SLACK_MILLIS = 1500;

	static final int ACCOUNTS = 10;

	static final long BALANCE = 1000;

	@TempDir
	Path temp;

	private HikariDataSource dataSource;

	private final List<Process> children = new ArrayList<>();

	@AfterEach
	void close() throws InterruptedException {
		for (Process child : this.children) {
			child.destroyForcibly();
			child.waitFor();
		}
		TestDatabases.close(this.dataSource);
	}

	@Test
	void restoresHoldExactlyTheCapturedTransactionsThroughCheckpointsAndKills() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		this.dataSource = TestDatabases.hikari(file, Mode.WAL);
		createSchema();
		Map<Long, long[]> acks = new ConcurrentHashMap<>();
		AtomicBoolean writing = new AtomicBoolean(true);
		Thread poolWriter = poolWriter(this.dataSource, acks, writing);
		Thread checkpointer = new Thread(() -> checkpointRandomly(file, writing));
		poolWriter.start();
		checkpointer.start();
		for (int round = 0; round < 3; round++) {
			Process child = startCapturingChild(file, backups, acks);
			Thread.sleep(2500);
			if (round < 2) {
				child.destroyForcibly();
				child.waitFor();
				Thread.sleep(300);
			}
			else {
				writing.set(false);
				poolWriter.join();
				checkpointer.join();
				stopGracefully(child);
			}
		}
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		List<String> live = dump();
		List<Segment> segments = template.getStore().listSegments("app");

		template.restoreLatest("app");
		assertThat(dump()).as("the latest captured state at a quiescent point").isEqualTo(live);

		Random random = new Random(42);
		Map<String, List<Segment>> chains = segments.stream().collect(Collectors.groupingBy(Segment::chainId));
		for (List<Segment> chain : chains.values()) {
			Instant from = chain.stream().map(Segment::capturedAt).min(Comparator.naturalOrder()).orElseThrow();
			Instant to = chain.stream().map(Segment::capturedAt).max(Comparator.naturalOrder()).orElseThrow();
			for (int i = 0; i < 2; i++) {
				Instant instant = from.plusMillis((long) (random.nextDouble() * (to.toEpochMilli() - from.toEpochMilli())));
				try {
					template.restore("app", instant);
				}
				catch (PointInTimeNotCoveredException ex) {
					// Passes that a busy machine held up longer than the window allows leave a gap, refused as such.
					assertThat(ex.getMessage()).contains("falls in a gap");
					continue;
				}
				assertHolds(instant, from, acks);
			}
		}
		assertThat(acks).hasSizeGreaterThan(50);
		assertThat(chains).hasSizeGreaterThanOrEqualTo(3);
	}

	/** What a restore to {@code instant} must hold, inside a chain captured since {@code chainStart}. */
	private void assertHolds(Instant instant, Instant chainStart, Map<Long, long[]> acks) throws SQLException {
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
			long count = TestDatabases.queryLong(connection, "SELECT count(*) FROM tx");
			long max = TestDatabases.queryLong(connection, "SELECT coalesce(max(seq), 0) FROM tx");
			assertThat(count).as("sequence numbers at %s are a gap-free prefix", instant).isEqualTo(max);
			assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
				.isEqualTo(ACCOUNTS * BALANCE);
			long startedAfter = TestDatabases.queryLong(connection,
					"SELECT count(*) FROM tx WHERE started > " + instant.toEpochMilli());
			assertThat(startedAfter).as("transactions started after %s", instant).isZero();
			long due = instant.toEpochMilli() - SYNC_MILLIS - SLACK_MILLIS;
			for (long[] ack : acks.values()) {
				if (ack[1] < due && ack[2] > chainStart.toEpochMilli()) {
					assertThat(ack[0]).as("transaction acknowledged at %d, restored to %s", ack[1], instant)
						.isLessThanOrEqualTo(max);
				}
			}
		}
	}

	/** A writer in this JVM that commits transfers through the pool while {@code writing}, recording each acknowledged one. */
	static Thread poolWriter(javax.sql.DataSource dataSource, Map<Long, long[]> acks, AtomicBoolean writing) {
		return new Thread(() -> {
			while (writing.get()) {
				try (Connection connection = dataSource.getConnection()) {
					long[] acked = transfer(connection);
					acks.put(acked[0], acked);
				}
				catch (SQLException ex) {
					// Busy under the chaos: the transaction did not commit, so it is not acknowledged.
				}
			}
		});
	}

	/**
	 * One transfer between two accounts, recorded with a sequence number and its start time.
	 * @return the sequence number, the acknowledgement time and the start time, in milliseconds
	 */
	static long[] transfer(Connection connection) throws SQLException {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		try (Statement statement = connection.createStatement()) {
			long started = System.currentTimeMillis();
			statement.execute("BEGIN IMMEDIATE");
			try {
				long seq = TestDatabases.queryLong(connection, "SELECT coalesce(max(seq), 0) + 1 FROM tx");
				try (PreparedStatement insert = connection
					.prepareStatement("INSERT INTO tx (seq, started, padding) VALUES (?, ?, randomblob(?))")) {
					insert.setLong(1, seq);
					insert.setLong(2, started);
					insert.setInt(3, random.nextInt(100, 6000));
					insert.executeUpdate();
				}
				int from = random.nextInt(ACCOUNTS);
				int to = random.nextInt(ACCOUNTS);
				long amount = random.nextLong(1, 50);
				statement.execute("UPDATE account SET balance = balance - " + amount + " WHERE id = " + from);
				statement.execute("UPDATE account SET balance = balance + " + amount + " WHERE id = " + to);
				statement.execute("COMMIT");
				return new long[] { seq, System.currentTimeMillis(), started };
			}
			catch (SQLException ex) {
				statement.execute("ROLLBACK");
				throw ex;
			}
		}
	}

	private void createSchema() throws SQLException {
		createSchema(this.dataSource);
	}

	/** The bank the transfers move money in: a log of numbered transactions and accounts whose sum never changes. */
	static void createSchema(javax.sql.DataSource dataSource) throws SQLException {
		TestDatabases.execute(dataSource,
				"CREATE TABLE tx (seq INTEGER PRIMARY KEY, started INTEGER NOT NULL, padding BLOB)");
		TestDatabases.execute(dataSource, "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
		for (int id = 0; id < ACCOUNTS; id++) {
			TestDatabases.execute(dataSource, "INSERT INTO account VALUES (" + id + ", " + BALANCE + ")");
		}
	}

	/** Checkpoints of every mode from a connection of its own, at random moments, as another process might. */
	static void checkpointRandomly(Path file, AtomicBoolean writing) {
		String[] modes = { "PASSIVE", "FULL", "RESTART", "TRUNCATE" };
		ThreadLocalRandom random = ThreadLocalRandom.current();
		try (Connection outsider = TestDatabases.open(file); Statement statement = outsider.createStatement()) {
			statement.execute("PRAGMA busy_timeout=20");
			while (writing.get()) {
				try (ResultSet result = statement
					.executeQuery("PRAGMA wal_checkpoint(" + modes[random.nextInt(modes.length)] + ")")) {
					result.next();
				}
				catch (SQLException ex) {
					// Busy: the next one tries again.
				}
				Thread.sleep(random.nextInt(20, 150));
			}
		}
		catch (SQLException | InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private Process startCapturingChild(Path file, Path backups, Map<Long, long[]> acks) throws Exception {
		Process child = CrashTests.startChild(ContinuousChaosChild.class,
				List.of(file.toString(), backups.toString(), Long.toString(SYNC_MILLIS)), "READY");
		this.children.add(child);
		Thread reader = new Thread(() -> {
			try (BufferedReader output = new BufferedReader(
					new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = output.readLine()) != null) {
					if (line.startsWith("ACK ")) {
						String[] parts = line.split(" ");
						long seq = Long.parseLong(parts[1]);
						// The start time is unknown here; the acknowledgement bounds it from above.
						acks.put(seq, new long[] { seq, Long.parseLong(parts[2]), Long.parseLong(parts[2]) });
					}
					else if (line.contains("WARN") || line.contains("FAILED") || line.contains("started chain")) {
						System.out.println("child: " + line);
					}
					else if (line.startsWith("STOPPED")) {
						synchronized (child) {
							child.notifyAll();
						}
					}
				}
			}
			catch (Exception ex) {
				// The child was killed.
			}
		});
		reader.setDaemon(true);
		reader.start();
		return child;
	}

	private static void stopGracefully(Process child) throws Exception {
		Writer input = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
		input.write("stop\n");
		input.flush();
		assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		assertThat(child.exitValue()).isZero();
	}

	private List<String> dump() throws SQLException {
		return dumpOf(this.dataSource);
	}

	/** Every transaction and account of the bank, in a fixed order: equal dumps mean equal data. */
	static List<String> dumpOf(javax.sql.DataSource dataSource) throws SQLException {
		List<String> dump = new ArrayList<>();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			try (ResultSet rows = statement.executeQuery("SELECT seq, started, hex(padding) FROM tx ORDER BY seq")) {
				while (rows.next()) {
					dump.add(rows.getLong(1) + " " + rows.getLong(2) + " " + rows.getString(3).length());
				}
			}
			try (ResultSet rows = statement.executeQuery("SELECT id, balance FROM account ORDER BY id")) {
				while (rows.next()) {
					dump.add("account " + rows.getLong(1) + " " + rows.getLong(2));
				}
			}
		}
		return dump;
	}

}
