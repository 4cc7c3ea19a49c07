package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.BackupOptions;
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
