package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.StartupRestoreResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SqliteStartupRestore}: a real Boot application (data source from
 * {@code spring.datasource.url}, Flyway migrations) whose database file is lost between two runs.
 */
class StartupRestoreTests {

	@TempDir
	Path dir;

	private Path databaseFile() {
		return this.dir.resolve("data").resolve("app.db");
	}

	private ApplicationContextRunner app(String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class,
					SqliteDirectoriesAutoConfiguration.class, SqliteBackupAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + databaseFile(),
					"spring.flyway.locations=classpath:startup-restore/db/migration",
					"sqlite.backup.directory=" + this.dir.resolve("backups"), "sqlite.backup.schedule.enabled=false")
			.withPropertyValues(properties);
	}

	private ApplicationContextRunner restoringApp(String... properties) {
		return app("sqlite.backup.restore.on-startup=if-missing").withPropertyValues(properties);
	}

	/** Runs the application once: migrations, the given rows, then a backup. */
	private void firstRun(String... rows) {
		app().run((context) -> {
			assertThat(context).hasNotFailed();
			insert(context.getBean(DataSource.class), rows);
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
		});
	}

	private void loseTheDisk() throws IOException {
		for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
			Files.deleteIfExists(Path.of(databaseFile() + suffix));
		}
	}

	@Test
	void aMissingDatabaseIsRestoredFromTheNewestBackupBeforeFlywayMigratesIt() throws Exception {
		firstRun("written before the backup");
		loseTheDisk();

		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration",
					"written before the backup");
			assertThat(number(context.getBean(DataSource.class), "SELECT count(*) FROM flyway_schema_history"))
				.isEqualTo(2);
			StartupRestoreResult result = context.getBean(SqliteStartupRestore.class).results().get("dataSource");
			assertThat(result.outcome()).isEqualTo(StartupRestoreResult.Outcome.RESTORED);
			assertThat(result.backupId())
				.isEqualTo(context.getBean(SqliteBackupTemplate.class).list("dataSource").get(0).id());
		});
	}

	@Test
	void aBeanThatReadsTheDatabaseWhileTheApplicationStartsSeesTheRestoredData() throws Exception {
		firstRun("written before the backup");
		loseTheDisk();

		restoringApp().withConfiguration(AutoConfigurations.of(JdbcTemplateAutoConfiguration.class))
			.withUserConfiguration(ReadsAtStartup.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(NamesAtStartup.class).names()).containsExactly("from the first migration",
						"written before the backup");
			});
	}

	@Test
	void eachDatabaseIsRestoredOnItsOwnAndOneThatFailsStopsStartup() throws Exception {
		Path orders = this.dir.resolve("data").resolve("orders.db");
		Path users = this.dir.resolve("data").resolve("users.db");
		ApplicationContextRunner twoDatabases = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteDirectoriesAutoConfiguration.class,
					SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TwoDatabases.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
		twoDatabases.run((context) -> {
			insert(context.getBean("orders", DataSource.class), "order");
			insert(context.getBean("users", DataSource.class), "user");
			context.getBean(SqliteBackupTemplate.class).backup("orders");
			context.getBean(SqliteBackupTemplate.class).backup("users");
		});
		Files.delete(orders);
		Files.delete(users);
		try (Stream<Path> files = Files.list(this.dir.resolve("backups").resolve("users"))) {
			flip(files.filter((file) -> file.toString().endsWith(".sqlite")).findFirst().orElseThrow());
		}

		twoDatabases.withPropertyValues("sqlite.backup.restore.on-startup=if-missing").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Database 'users'")
				.hasMessageNotContaining("Database 'orders'");
		});
		assertThat(orders).exists();
		assertThat(users).doesNotExist();
	}

	@Test
	void anEmptyDatabaseFileCountsAsMissing() throws Exception {
		firstRun("written before the backup");
		loseTheDisk();
		Files.createFile(databaseFile());

		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).contains("written before the backup");
		});
	}

	@Test
	void aDatabaseThatIsThereIsLeftAlone() throws Exception {
		firstRun("in the backup");
		app().run((context) -> insert(context.getBean(DataSource.class), "only in the live database"));

		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration",
					"in the backup", "only in the live database");
			assertThat(context.getBean(SqliteStartupRestore.class).results().get("dataSource").outcome())
				.isEqualTo(StartupRestoreResult.Outcome.PRESENT);
		});
	}

	@Test
	void withNothingStoredTheApplicationStartsWithANewDatabase() {
		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration");
			assertThat(context.getBean(SqliteStartupRestore.class).results().get("dataSource").outcome())
				.isEqualTo(StartupRestoreResult.Outcome.NOTHING_STORED);
		});
	}

	@Test
	void byDefaultAMissingDatabaseIsNotRestored() throws Exception {
		firstRun("in the backup");
		loseTheDisk();

		app().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration");
		});
	}

	@Test
	void aBackupThatFailsItsChecksStopsStartupWithTheReasonAndLeavesNoDatabase() throws Exception {
		firstRun("in the backup");
		loseTheDisk();
		flipAByteOfTheNewestBackup();

		restoringApp().run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Database 'dataSource'")
				.hasMessageContaining("could not be restored")
				.hasMessageContaining("sqlite.backup.restore.on-startup-required=false");
		});
		assertThat(databaseFile()).doesNotExist();
	}

	@Test
	void whenNotRequiredAFailedRestoreStartsTheApplicationWithANewDatabase() throws Exception {
		firstRun("in the backup");
		loseTheDisk();
		flipAByteOfTheNewestBackup();

		restoringApp("sqlite.backup.restore.on-startup-required=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration");
		});
	}

	@Test
	void leftoverWalAndShmFilesAreMovedAsideNotReadIntoTheRestoredDatabase() throws Exception {
		firstRun("in the backup");
		loseTheDisk();
		Files.writeString(Path.of(databaseFile() + "-wal"), "the WAL of a database that is gone");

		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).contains("in the backup");
		});
		try (Stream<Path> files = Files.list(databaseFile().getParent())) {
			assertThat(files.map((file) -> file.getFileName().toString())).anyMatch(
					(name) -> name.startsWith("app.db-wal.orphaned-"));
		}
	}

	@Test
	void aRollbackJournalDatabaseIsRestoredInItsJournalMode() throws Exception {
		firstRun("in the backup");
		loseTheDisk();

		restoringApp().run((context) -> {
			assertThat(context).hasNotFailed();
			try (Connection connection = context.getBean(DataSource.class).getConnection();
					Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
				rows.next();
				assertThat(rows.getString(1)).isEqualTo("delete");
			}
		});
	}

	@Test
	void aMissingWalDatabaseIsRestoredToTheLatestPointAndItsCaptureGoesOnWithoutAGap() throws Exception {
		String[] continuous = { "sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h",
				"spring.datasource.hikari.connection-init-sql=PRAGMA journal_mode=WAL" };
		app(continuous).run((context) -> {
			assertThat(context).hasNotFailed();
			insert(context.getBean(DataSource.class), "after the snapshot");
		});
		loseTheDisk();

		restoringApp(continuous).run((context) -> {
			assertThat(context).hasNotFailed();
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(names(dataSource)).containsExactly("from the first migration", "after the snapshot");
			insert(dataSource, "after the restore");
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThat(template.capture("dataSource").awaitsRestore()).isFalse();
			RestoreWindow window = template.restoreWindow("dataSource").orElseThrow();
			assertThat(window.chains()).hasSize(2);
			assertThat(window.gaps()).isEmpty();
		});
	}

	@Test
	void anInMemoryDatabaseIsRestoredFromTheNewestBackup() {
		String[] memory = { "spring.datasource.url=jdbc:sqlite:file:startup-restore?mode=memory&cache=shared",
				"spring.datasource.hikari.minimum-idle=1" };
		app(memory).run((context) -> {
			assertThat(context).hasNotFailed();
			insert(context.getBean(DataSource.class), "in memory");
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
		});

		restoringApp(memory).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration",
					"in memory");
		});
	}

	private void flipAByteOfTheNewestBackup() throws IOException {
		try (Stream<Path> files = Files.walk(this.dir.resolve("backups"))) {
			flip(files.filter((file) -> file.getFileName().toString().endsWith(".sqlite"))
				.max(Path::compareTo)
				.orElseThrow());
		}
	}

	private static void flip(Path backup) throws IOException {
		try (RandomAccessFile file = new RandomAccessFile(backup.toFile(), "rw")) {
			file.seek(file.length() / 2);
			int value = file.read();
			file.seek(file.length() / 2);
			file.write(value ^ 0xFF);
		}
	}

	/** What a bean read from the database while the application started. */
	record NamesAtStartup(List<String> names) {
	}

	/** A bean that reads the database through JdbcTemplate while the application starts. */
	@Configuration(proxyBeanMethods = false)
	static class ReadsAtStartup {

		@Bean
		NamesAtStartup namesAtStartup(JdbcTemplate jdbc) {
			return new NamesAtStartup(jdbc.queryForList("SELECT name FROM item ORDER BY id", String.class));
		}

	}

	/** Two databases, each with its table. */
	@Configuration(proxyBeanMethods = false)
	static class TwoDatabases {

		@Bean
		HikariDataSource orders(@Value("${test.dir}") Path dir) {
			return withTable(dir.resolve("data").resolve("orders.db"));
		}

		@Bean
		HikariDataSource users(@Value("${test.dir}") Path dir) {
			return withTable(dir.resolve("data").resolve("users.db"));
		}

		private static HikariDataSource withTable(Path file) {
			HikariDataSource dataSource = new HikariDataSource();
			dataSource.setJdbcUrl("jdbc:sqlite:" + file);
			dataSource.setMaximumPoolSize(2);
			dataSource.setConnectionInitSql("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
			return dataSource;
		}

	}

	static void insert(DataSource dataSource, String... names) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			for (String name : names) {
				statement.execute("INSERT INTO item (name) VALUES ('" + name + "')");
			}
		}
	}

	static List<String> names(DataSource dataSource) throws SQLException {
		List<String> names = new ArrayList<>();
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT name FROM item ORDER BY id")) {
			while (rows.next()) {
				names.add(rows.getString(1));
			}
		}
		return names;
	}

	private static long number(DataSource dataSource, String sql) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

}
