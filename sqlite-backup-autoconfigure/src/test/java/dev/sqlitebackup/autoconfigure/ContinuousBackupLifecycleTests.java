package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link ContinuousBackupLifecycle}. */
class ContinuousBackupLifecycleTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
	}

	@Test
	void runWhenEnabledForARollbackJournalDatabaseShouldFailNamingTheDatabaseAndTheFix() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.continuous.enabled=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("Database 'dataSource'")
				.hasMessageContaining("sqlite.backup.databases.dataSource.continuous.enabled=false"));
	}

	@Test
	void runWhenThatDatabaseOptsOutShouldStart() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.continuous.enabled=true",
					"sqlite.backup.databases.dataSource.continuous.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(ContinuousBackupLifecycle.class));
	}

	@Test
	void runWhenEnabledShouldShipEverythingCommittedBeforeAGracefulShutdown() throws Exception {
		contextRunner().withUserConfiguration(WalSqlite.class)
			.withPropertyValues("sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				execute(context.getBean(DataSource.class), "INSERT INTO item (name) VALUES ('just before shutdown')");
			});
		SQLiteDataSource dataSource = WalSqlite.walDataSource(this.dir.resolve("app.db"));
		execute(dataSource, "DELETE FROM item");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("dataSource", dataSource)),
				new LocalDirectoryBackupStore(this.dir.resolve("backups")), BackupOptions.defaults().withSafetyBackup(false));

		template.restoreLatest("dataSource");

		assertThat(names(dataSource)).containsExactly("first", "just before shutdown");
	}

	@Test
	void runWhenPassesComeLessOftenThanTheLeaseNeedsShouldRenewItInBetween() {
		contextRunner().withUserConfiguration(WalSqlite.class)
			.withPropertyValues("sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h",
					"sqlite.backup.lease.duration=3s")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.dir.resolve("backups"));
				Instant first = store.readLease("dataSource").orElseThrow().lease().expiresAt();
				Thread.sleep(2_500);
				dev.sqlitebackup.Lease renewed = store.readLease("dataSource").orElseThrow().lease();
				assertThat(renewed.expiresAt()).isAfter(first);
				assertThat(renewed.epoch()).isEqualTo(1);
				assertThat(renewed.released()).isFalse();
			});
	}

	@Test
	void aPassThatRunsOutOfMemoryIsReportedAndTheNextPassesShipEverything() throws Exception {
		SQLiteDataSource dataSource = WalSqlite.walDataSource(this.dir.resolve("app.db"));
		execute(dataSource, "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)");
		AtomicBoolean outOfMemory = new AtomicBoolean(true);
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.dir.resolve("backups")) {

			@Override
			public Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
				if (segment.frameCount() > 0 && outOfMemory.getAndSet(false)) {
					throw new OutOfMemoryError("Java heap space (thrown by the test)");
				}
				return super.publishSegment(stagingFile, segment);
			}

		};
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("dataSource", dataSource)),
				store, BackupOptions.defaults().withSafetyBackup(false));
		List<Exception> failures = new CopyOnWriteArrayList<>();
		template.addListener(new BackupListener() {

			@Override
			public void captureFailed(String database, Exception failure) {
				failures.add(failure);
			}

		});
		SqliteBackupProperties properties = new SqliteBackupProperties();
		properties.getContinuous().setEnabled(true);
		properties.getContinuous().setSyncInterval(Duration.ofMillis(50));
		ContinuousBackupLifecycle lifecycle = new ContinuousBackupLifecycle(template, properties);
		lifecycle.start();
		try {
			execute(dataSource, "INSERT INTO item (name) VALUES ('when memory ran out')");
			awaitUntil(() -> !failures.isEmpty());
			execute(dataSource, "INSERT INTO item (name) VALUES ('afterwards')");
			Instant committed = Instant.now();
			awaitUntil(() -> {
				Instant shipped = template.continuousStatus("dataSource").orElseThrow().lastCaptureAt();
				return shipped != null && shipped.isAfter(committed);
			});
		}
		finally {
			lifecycle.stop();
		}
		execute(dataSource, "DELETE FROM item");
		template.restoreLatest("dataSource");

		assertThat(failures.get(0)).hasMessageContaining("OutOfMemoryError");
		assertThat(names(dataSource)).containsExactly("when memory ran out", "afterwards");
	}

	@Test
	void runOnANewDatabaseWhileTheStoreHoldsItsHistoryShouldWaitForARestoreInsteadOfStartingAChain() throws Exception {
		ApplicationContextRunner runner = contextRunner().withUserConfiguration(SchemaOnStartSqlite.class)
			.withPropertyValues("sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h");
		runner.run((context) -> {
			assertThat(context).hasNotFailed();
			execute(context.getBean(DataSource.class), "INSERT INTO item (name) VALUES ('history')");
		});
		for (String suffix : List.of("", "-wal", "-shm")) {
			Files.deleteIfExists(this.dir.resolve("app.db" + suffix));
		}

		runner.run((context) -> {
			assertThat(context).hasNotFailed();
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThat(template.continuousStatus("dataSource").orElseThrow().state())
				.isEqualTo(ContinuousStatus.State.AWAITING_RESTORE);
			template.restoreLatest("dataSource");
			template.capture("dataSource");
			assertThat(names(context.getBean(DataSource.class))).containsExactly("history");
			assertThat(template.continuousStatus("dataSource").orElseThrow().state())
				.isEqualTo(ContinuousStatus.State.RUNNING);
		});
	}

	private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime()).as("waited 20 s").isLessThan(deadline);
			Thread.sleep(20);
		}
	}

	private static void execute(DataSource dataSource, String sql) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private static List<String> names(DataSource dataSource) throws SQLException {
		List<String> names = new ArrayList<>();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT name FROM item ORDER BY id")) {
			while (rows.next()) {
				names.add(rows.getString(1));
			}
		}
		return names;
	}

	/**
	 * One SQLite database in WAL mode whose schema another bean creates once the data source
	 * exists, as {@code spring.sql.init} or Flyway would.
	 */
	@Configuration(proxyBeanMethods = false)
	static class SchemaOnStartSqlite {

		@Bean
		SQLiteDataSource dataSource(@Value("${test.dir}") Path dir) {
			return WalSqlite.walDataSource(dir.resolve("app.db"));
		}

		@Bean
		InitializingBean schema(DataSource dataSource) {
			return () -> execute(dataSource, "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)");
		}

	}

	/** One SQLite database in WAL mode. */
	@Configuration(proxyBeanMethods = false)
	static class WalSqlite {

		@Bean
		SQLiteDataSource dataSource(@Value("${test.dir}") Path dir) throws SQLException {
			SQLiteDataSource dataSource = walDataSource(dir.resolve("app.db"));
			execute(dataSource, "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)");
			execute(dataSource, "INSERT INTO item (name) VALUES ('first')");
			return dataSource;
		}

		static SQLiteDataSource walDataSource(Path file) {
			SQLiteConfig config = new SQLiteConfig();
			config.setJournalMode(SQLiteConfig.JournalMode.WAL);
			config.setBusyTimeout(5000);
			SQLiteDataSource dataSource = new SQLiteDataSource(config);
			dataSource.setUrl("jdbc:sqlite:" + file);
			return dataSource;
		}

	}

}
