package dev.sqlitebackup.actuate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.event.BackupEventPublisher;
import dev.sqlitebackup.event.ContinuousCaptureFailedEvent;
import dev.sqlitebackup.event.ContinuousChainStartedEvent;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Health and events of continuous backup: a database is down while its passes fail or when the
 * last successful one is older than the allowed lag, and a new chain and a failure are published.
 */
class ContinuousHealthTests {

	private static final Duration MAX_LAG = Duration.ofSeconds(30);

	@TempDir
	Path temp;

	private final SettableClock clock = new SettableClock(Instant.parse("2026-11-29T12:00:00Z"));

	private final List<Object> events = new CopyOnWriteArrayList<>();

	private HikariDataSource dataSource;

	private SqliteBackupTemplate template;

	private SqliteBackupHealthIndicator health;

	@BeforeEach
	void createDatabase() throws Exception {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:sqlite:" + this.temp.resolve("app.db"));
		config.setMaximumPoolSize(2);
		config.addDataSourceProperty("journal_mode", "WAL");
		this.dataSource = new HikariDataSource(config);
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT)");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults(), this.clock);
		this.health = new SqliteBackupHealthIndicator(this.template, (database) -> null, MAX_LAG, this.clock);
		this.template.addListener(this.health);
		this.template.addListener(new BackupEventPublisher(this.template, this.events::add));
	}

	@AfterEach
	void close() {
		this.template.stopCapture("app");
		this.dataSource.close();
	}

	@Test
	void runningCaptureIsUpWithItsLagAndRestoreWindow() throws Exception {
		this.template.capture("app");
		execute("INSERT INTO item (label) VALUES ('one')");
		this.clock.advance(Duration.ofSeconds(1));
		this.template.capture("app");
		Health health = this.health.health();
		Map<String, Object> continuous = continuous(health);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(continuous).containsEntry("state", "running").containsEntry("lagMillis", 0L);
		assertThat(continuous).containsKey("restoreWindow");
	}

	@Test
	void captureThatFallsBehindTakesTheDatabaseDown() throws Exception {
		this.template.capture("app");
		this.clock.advance(MAX_LAG.plusSeconds(1));
		Health health = this.health.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(details(health).get("reason").toString()).contains("has shipped nothing for 31 s");
	}

	@Test
	void failingCaptureTakesTheDatabaseDownAndIsPublished() throws Exception {
		this.template.capture("app");
		Path segments = this.temp.resolve("backups/app/segments");
		Path aside = this.temp.resolve("segments-aside");
		Files.move(segments, aside);
		Files.writeString(segments, "not a folder");
		execute("INSERT INTO item (label) VALUES ('during the failure')");
		assertThatException().isThrownBy(() -> this.template.capture("app"));
		Health health = this.health.health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(continuous(health)).containsEntry("state", "failing");
		assertThat(details(health).get("reason").toString()).startsWith("continuous backup is failing");
		assertThat(this.events).hasAtLeastOneElementOfType(ContinuousCaptureFailedEvent.class);
		Files.delete(segments);
		Files.move(aside, segments);
	}

	@Test
	void aDatabaseAwaitingARestoreIsDownSayingUpToWhenTheStoreHoldsItsHistory() throws Exception {
		this.template.capture("app");
		execute("INSERT INTO item (label) VALUES ('history')");
		this.clock.advance(Duration.ofSeconds(1));
		this.template.capture("app");
		this.template.stopCapture("app");

		this.template.startCapture("app", true);
		Health health = this.health.health();

		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(continuous(health)).containsEntry("state", "awaiting-restore");
		assertThat(details(health).get("reason").toString()).startsWith("continuous backup waits for a restore")
			.contains("holds its history up to 2026-11-29T12:00:01Z");
	}

	@Test
	void aStandbyInstanceIsUpAndNamesTheProcessThatCaptures() throws Exception {
		SqliteBackupTemplate holder = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults(), this.clock);
		holder.capture("app");
		try {
			this.template.capture("app");
			this.clock.advance(MAX_LAG.plusSeconds(1));
			Health health = this.health.health();

			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(continuous(health)).containsEntry("state", "standby");
			assertThat(continuous(health).get("holder").toString()).startsWith("pid " + ProcessHandle.current().pid());
		}
		finally {
			holder.stopCapture("app");
		}
	}

	@Test
	void aNewChainIsPublished() throws Exception {
		this.template.capture("app");
		assertThat(this.events).filteredOn(ContinuousChainStartedEvent.class::isInstance)
			.singleElement()
			.satisfies((event) -> assertThat(((ContinuousChainStartedEvent) event).getResult().newChainReason())
				.isNotBlank());
	}

	private void execute(String sql) throws Exception {
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> details(Health health) {
		Map<String, Object> databases = (Map<String, Object>) health.getDetails().get("databases");
		return (Map<String, Object>) databases.get("app");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> continuous(Health health) {
		return (Map<String, Object>) details(health).get("continuous");
	}

	/** A clock that stands still until a test moves it. */
	private static final class SettableClock extends Clock {

		private volatile Instant instant;

		SettableClock(Instant instant) {
			this.instant = instant;
		}

		void advance(Duration duration) {
			this.instant = this.instant.plus(duration);
		}

		@Override
		public Instant instant() {
			return this.instant;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			throw new UnsupportedOperationException();
		}

	}

}
