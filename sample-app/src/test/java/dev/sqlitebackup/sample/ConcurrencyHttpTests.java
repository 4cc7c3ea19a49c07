package dev.sqlitebackup.sample;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.OperationType;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Concurrent backups and restores over real HTTP, on three SQLite files of a few MB: per database one
 * operation runs and the others answer 409, different databases proceed in parallel, nothing deadlocks
 * and every backup that results verifies.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ConcurrencyHttpTests {

	private static final List<String> DATABASES = List.of("dataSource", "orders", "users");

	private static final String BACKUP = "{\"action\":\"backup\"}";

	/** Bound on everything a test waits for: past it, something is stuck. */
	private static final long BOUND_SECONDS = 30;

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.restore.enabled", () -> "true");
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
		registry.add("sqlite.backup.retention.keep-last", () -> "1000");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqliteBackupTemplate template;

	@Autowired
	private Gate gate;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@BeforeEach
	void backUpEachDatabaseOnce() {
		for (String database : DATABASES) {
			if (this.template.list(database).isEmpty()) {
				this.template.backup(database);
			}
		}
	}

	@AfterEach
	void stop() {
		this.gate.releaseAll();
		this.executor.shutdownNow();
	}

	@ParameterizedTest
	@EnumSource(value = OperationType.class, names = { "BACKUP", "RESTORE" })
	void whileOneDatabaseIsHeldItsCallersGet409AndTheOtherDatabasesProceed(OperationType held) throws Exception {
		Map<String, String> rowsBefore = rowCounts();
		String ordersBackup = newestBackup("orders");
		CountDownLatch reached = this.gate.hold("orders", held);
		CompletableFuture<Response> holder = call("orders",
				(held == OperationType.BACKUP) ? BACKUP : restore(ordersBackup));
		assertThat(reached.await(BOUND_SECONDS, TimeUnit.SECONDS)).as("held operation reached its copy").isTrue();
		JsonNode operation = new HttpSession(this.port).get("/actuator/sqlitebackup/orders").json().get("operation");
		assertThat(operation.path("type").asString("")).as("operation listed on orders")
			.isEqualTo(held.name().toLowerCase(Locale.ROOT));

		// All at once, each on its own HTTP client: the held database refuses, the others work meanwhile.
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Response>> onOrders = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			onOrders.add(call(start, "orders", BACKUP));
			onOrders.add(call(start, "orders", restore(ordersBackup)));
		}
		CompletableFuture<Response> usersBackup = call(start, "users", BACKUP);
		CompletableFuture<Response> dataSourceRestore = call(start, "dataSource", restore(newestBackup("dataSource")));
		start.countDown();
		for (CompletableFuture<Response> refused : onOrders) {
			SqliteBackupEndpointHttpTests.assertError(refused.get(BOUND_SECONDS, TimeUnit.SECONDS), 409);
		}
		// These finish while orders is still held: the gate opens only below.
		assertOk(usersBackup);
		assertOk(dataSourceRestore);
		assertThat(holder).as("held operation is still running").isNotDone();

		this.gate.releaseAll();
		assertOk(holder);
		assertEveryBackupVerifies();
		assertThat(rowCounts()).isEqualTo(rowsBefore);
	}

	@Test
	void manyClientsOnEveryDatabaseAtOnceGetOnly200Or409AndOneOperationAtATimePerDatabase() throws Exception {
		Map<String, String> rowsBefore = rowCounts();
		CountDownLatch start = new CountDownLatch(1);
		Map<String, List<CompletableFuture<Response>>> calls = new TreeMap<>();
		for (String database : DATABASES) {
			String backupId = newestBackup(database);
			List<CompletableFuture<Response>> onDatabase = new ArrayList<>();
			for (int i = 0; i < 3; i++) {
				onDatabase.add(call(start, database, BACKUP));
				onDatabase.add(call(start, database, restore(backupId)));
			}
			calls.put(database, onDatabase);
		}
		start.countDown();
		CompletableFuture.allOf(calls.values().stream().flatMap(List::stream).toArray(CompletableFuture[]::new))
			.get(BOUND_SECONDS, TimeUnit.SECONDS);

		int refused = 0;
		for (Map.Entry<String, List<CompletableFuture<Response>>> entry : calls.entrySet()) {
			List<Interval> ran = new ArrayList<>();
			for (CompletableFuture<Response> call : entry.getValue()) {
				Response response = call.get();
				assertThat(response.status()).as(response.toString()).isIn(200, 409);
				if (response.status() == 200) {
					ran.add(Interval.of(response.json()));
				}
				else {
					SqliteBackupEndpointHttpTests.assertError(response, 409);
					refused++;
				}
			}
			assertThat(ran).as("operations that ran on %s", entry.getKey()).isNotEmpty();
			assertNoOverlap(entry.getKey(), ran);
		}
		// Six callers per database released at once on copies of tens of milliseconds: if none was
		// refused, they did not really overlap and this test proved nothing.
		assertThat(refused).as("callers refused with 409").isPositive();
		assertEveryBackupVerifies();
		assertThat(rowCounts()).isEqualTo(rowsBefore);
	}

	private CompletableFuture<Response> call(String database, String body) {
		return call(new CountDownLatch(0), database, body);
	}

	// A new session per call: each caller is its own HTTP client with its own connections.
	private CompletableFuture<Response> call(CountDownLatch start, String database, String body) {
		return CompletableFuture.supplyAsync(() -> {
			await(start);
			return new HttpSession(this.port).post("/actuator/sqlitebackup/" + database, body);
		}, this.executor);
	}

	private static void assertOk(CompletableFuture<Response> call) throws Exception {
		Response response = call.get(BOUND_SECONDS, TimeUnit.SECONDS);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
	}

	private static String restore(String backupId) {
		return "{\"action\":\"restore\",\"backupId\":\"" + backupId + "\"}";
	}

	private String newestBackup(String database) {
		return this.template.list(database).get(0).id();
	}

	private void assertEveryBackupVerifies() {
		for (String database : DATABASES) {
			for (Backup backup : this.template.list(database)) {
				assertThat(this.template.verify(database, backup.id()).valid()).as("%s of %s verifies", backup.id(),
						database).isTrue();
			}
		}
	}

	/**
	 * Checks that no two successful operations on one database overlapped. Times come from the answers,
	 * which the engine measures while it holds the database; they are whole milliseconds, hence the slack.
	 */
	private static void assertNoOverlap(String database, List<Interval> ran) {
		List<Interval> sorted = ran.stream().sorted((a, b) -> a.start().compareTo(b.start())).toList();
		for (int i = 1; i < sorted.size(); i++) {
			Instant previousEnd = sorted.get(i - 1).end();
			assertThat(sorted.get(i).start()).as("operations on %s one at a time: %s", database, sorted)
				.isAfterOrEqualTo(previousEnd.minusMillis(2));
		}
	}

	/** Rows per table of every database, with an integrity check of each. */
	private Map<String, String> rowCounts() throws SQLException {
		Map<String, String> counts = new TreeMap<>();
		for (String database : DATABASES) {
			try (Connection connection = this.template.getDatabase(database).dataSource().getConnection();
					Statement statement = connection.createStatement()) {
				var integrity = statement.executeQuery("PRAGMA integrity_check");
				integrity.next();
				assertThat(integrity.getString(1)).as("integrity of %s", database).isEqualTo("ok");
				var rows = statement.executeQuery("SELECT count(*), sum(length(data)) FROM filler");
				rows.next();
				counts.put(database, rows.getLong(1) + " rows, " + rows.getLong(2) + " bytes");
			}
		}
		return counts;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(BOUND_SECONDS, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** When a successful backup or restore held its database, from the answer's own timestamps. */
	private record Interval(Instant start, Instant end) {

		/**
		 * A restore held the database for its whole duration, up to when it says it restored. A
		 * backup is dated by its snapshot, which it took some way into its run (after cleaning up
		 * the store and staging), so its snapshot instant plus its duration overshoots its end:
		 * only the instant is known to fall inside the time it held the database.
		 */
		static Interval of(JsonNode answer) {
			if (answer.has("restoredAt")) {
				Duration duration = Duration.ofMillis(answer.get("durationMillis").asLong());
				Instant end = Instant.parse(answer.get("restoredAt").asString());
				return new Interval(end.minus(duration), end);
			}
			Instant snapshot = Instant.parse(answer.get("createdAt").asString());
			return new Interval(snapshot, snapshot);
		}

	}

	/**
	 * Holds the first operation of a given type on a given database inside its first progress report,
	 * with the database's lock taken, until released.
	 */
	static final class Gate implements BackupListener {

		private final AtomicReference<@Nullable String> held = new AtomicReference<>();

		private volatile @Nullable OperationType type;

		private volatile CountDownLatch reached = new CountDownLatch(1);

		private volatile CountDownLatch release = new CountDownLatch(0);

		CountDownLatch hold(String database, OperationType type) {
			this.reached = new CountDownLatch(1);
			this.release = new CountDownLatch(1);
			this.type = type;
			this.held.set(database);
			return this.reached;
		}

		void releaseAll() {
			this.held.set(null);
			this.release.countDown();
		}

		@Override
		public void progress(OperationStatus status) {
			if (status.type() == this.type && this.held.compareAndSet(status.database(), null)) {
				this.reached.countDown();
				await(this.release);
			}
		}

	}

	/** Three SQLite files of a few MB each; the primary one is the sample's own notes database. */
	@TestConfiguration(proxyBeanMethods = false)
	static class ThreeDatabases {

		@Bean
		@Primary
		HikariDataSource dataSource() {
			return sqliteFile("notes.db");
		}

		@Bean
		HikariDataSource orders() {
			return sqliteFile("orders.db");
		}

		@Bean
		HikariDataSource users() {
			return sqliteFile("users.db");
		}

		@Bean
		Gate gate(SqliteBackupTemplate template) {
			Gate gate = new Gate();
			template.addListener(gate);
			return gate;
		}

		private static HikariDataSource sqliteFile(String name) {
			HikariDataSource dataSource = new HikariDataSource();
			dataSource.setJdbcUrl("jdbc:sqlite:" + temp.resolve(name));
			dataSource.setMaximumPoolSize(4);
			dataSource.addDataSourceProperty("journal_mode", "WAL");
			dataSource.addDataSourceProperty("busy_timeout", "5000");
			fill(dataSource);
			return dataSource;
		}

		// About 3 MB of incompressible rows, so that a copy takes long enough for callers to overlap.
		private static void fill(DataSource dataSource) {
			try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
				statement.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
				statement.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
						+ "INSERT INTO filler (data) SELECT randomblob(3000) FROM n");
			}
			catch (SQLException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

}
