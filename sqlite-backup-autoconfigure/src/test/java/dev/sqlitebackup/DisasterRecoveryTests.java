package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.autoconfigure.SqliteBackupAutoConfiguration;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A machine lost under a writer: a process writes and captures continuously, is killed with
 * {@code kill -9}, and its disk is gone (database, WAL and, with a bucket, the local backup
 * directory); a new application started with {@code restore.on-startup=if-missing} comes back with
 * every row that was acknowledged as shipped, gap-free, and goes on capturing.
 */
class DisasterRecoveryTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	@TempDir
	Path temp;

	@BeforeAll
	static void createBucket() {
		s3proxy.client().createBucket((request) -> request.bucket("disaster"));
	}

	@Test
	void aLostMachineComesBackFromTheBackupDirectoryWithEveryShippedRow() throws Exception {
		Path backups = this.temp.resolve("backups");
		long shipped = writeCaptureAndKill(backups.toString());
		loseTheDisk();

		newMachine("sqlite.backup.directory=" + backups).run((context) -> {
			assertThat(context).hasNotFailed();
			assertRecovered(context.getBean(DataSource.class), shipped);
			assertThat(context.getBean(SqliteBackupTemplate.class).capture("app").awaitsRestore()).isFalse();
		});
	}

	@Test
	void aLostMachineComesBackFromTheBucketAloneWithEveryShippedRow() throws Exception {
		String prefix = this.temp.getFileName().toString();
		long shipped = writeCaptureAndKill("s3:" + s3proxy.server().endpoint() + "|disaster|" + prefix + "|"
				+ this.temp.resolve("disk/staging"));
		loseTheDisk();

		newMachine("sqlite.backup.directory=" + this.temp.resolve("disk/backups"), "sqlite.backup.s3.bucket=disaster",
				"sqlite.backup.s3.prefix=" + prefix, "sqlite.backup.s3.endpoint=" + s3proxy.server().endpoint(),
				"sqlite.backup.s3.path-style-access=true", "sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
				"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertRecovered(context.getBean(DataSource.class), shipped);
			});
	}

	private Path database() {
		return this.temp.resolve("disk").resolve("app.db");
	}

	/** Rows are committed and shipped one by one until 40 are acknowledged; then the process is killed. */
	private long writeCaptureAndKill(String store) throws Exception {
		Files.createDirectories(database().getParent());
		DataSource dataSource = TestDatabases.plain(database(), Mode.WAL);
		TestDatabases.execute(dataSource, "CREATE TABLE item (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, padding BLOB)");
		Process child = CrashTests.startChild(ContinuousCaptureChild.class, List.of(database().toString(), store, "1"),
				"READY");
		try {
			BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
			String line;
			long captured = 0;
			while ((line = output.readLine()) != null && captured < 40) {
				if (line.startsWith("CAPTURED ")) {
					captured = Long.parseLong(line.substring(9));
				}
			}
			return captured;
		}
		finally {
			child.destroyForcibly().waitFor();
		}
	}

	private void loseTheDisk() throws Exception {
		for (String suffix : List.of("", "-wal", "-shm")) {
			Files.deleteIfExists(Path.of(database() + suffix));
		}
		TestDatabases.deleteTree(this.temp.resolve("disk").resolve("staging"));
	}

	private ApplicationContextRunner newMachine(String... properties) {
		return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(AppDatabase.class)
			.withPropertyValues("test.file=" + database(), "sqlite.backup.restore.on-startup=if-missing",
					"sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h",
					"sqlite.backup.schedule.enabled=false")
			.withPropertyValues(properties);
	}

	private static void assertRecovered(DataSource dataSource, long shipped) throws Exception {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			try (ResultSet check = statement.executeQuery("PRAGMA integrity_check")) {
				check.next();
				assertThat(check.getString(1)).isEqualTo("ok");
			}
			try (ResultSet rows = statement.executeQuery("SELECT count(*), min(seq), max(seq) FROM item")) {
				rows.next();
				long count = rows.getLong(1);
				assertThat(rows.getLong(2)).isEqualTo(1);
				assertThat(rows.getLong(3)).as("every row acknowledged as shipped").isGreaterThanOrEqualTo(shipped);
				assertThat(count).as("gap-free").isEqualTo(rows.getLong(3));
			}
		}
	}

	/** The application's database, named as the process that was killed named it. */
	@Configuration(proxyBeanMethods = false)
	static class AppDatabase {

		@Bean
		HikariDataSource app(@Value("${test.file}") Path file) {
			HikariDataSource dataSource = new HikariDataSource();
			dataSource.setJdbcUrl("jdbc:sqlite:" + file);
			dataSource.setConnectionInitSql("PRAGMA journal_mode=WAL");
			dataSource.setMaximumPoolSize(2);
			return dataSource;
		}

	}

}
