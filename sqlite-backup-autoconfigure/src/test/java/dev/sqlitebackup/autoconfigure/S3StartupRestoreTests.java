package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static dev.sqlitebackup.autoconfigure.StartupRestoreTests.insert;
import static dev.sqlitebackup.autoconfigure.StartupRestoreTests.names;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restore on startup from a bucket (S3Proxy on loopback) when the machine's disk is gone: the
 * database and the local backup directory alike.
 */
class S3StartupRestoreTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	@TempDir
	Path dir;

	@BeforeAll
	static void createBucket() {
		s3proxy.client().createBucket((request) -> request.bucket("startup-restore"));
	}

	private ApplicationContextRunner appOn(String endpoint, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class,
					SqliteDirectoriesAutoConfiguration.class, SqliteBackupAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("disk/data/app.db"),
					"spring.flyway.locations=classpath:startup-restore/db/migration",
					"sqlite.backup.directory=" + this.dir.resolve("disk/backups"), "sqlite.backup.schedule.enabled=false",
					"sqlite.backup.s3.bucket=startup-restore", "sqlite.backup.s3.prefix=" + this.dir.getFileName(),
					"sqlite.backup.s3.endpoint=" + endpoint, "sqlite.backup.s3.path-style-access=true",
					"sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
					"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY)
			.withPropertyValues(properties);
	}

	private ApplicationContextRunner app(String... properties) {
		return appOn(s3proxy.server().endpoint().toString(), properties);
	}

	private void loseTheDisk() throws IOException {
		try (Stream<Path> files = Files.walk(this.dir.resolve("disk"))) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.delete(file);
			}
		}
	}

	@Test
	void theBucketAloneBringsBackTheNewestBackup() throws Exception {
		app("sqlite.backup.s3.keep-local=1").run((context) -> {
			assertThat(context).hasNotFailed();
			insert(context.getBean(DataSource.class), "in the bucket");
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
		});
		loseTheDisk();

		app("sqlite.backup.s3.keep-local=1", "sqlite.backup.restore.on-startup=if-missing").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration",
					"in the bucket");
		});
	}

	@Test
	void theBucketAloneBringsBackTheLatestPointContinuousBackupCaptured() throws Exception {
		String[] continuous = { "sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=1h",
				"spring.datasource.hikari.connection-init-sql=PRAGMA journal_mode=WAL" };
		app(continuous).run((context) -> {
			assertThat(context).hasNotFailed();
			insert(context.getBean(DataSource.class), "after the snapshot");
		});
		loseTheDisk();

		app(continuous).withPropertyValues("sqlite.backup.restore.on-startup=if-missing").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(names(context.getBean(DataSource.class))).containsExactly("from the first migration",
					"after the snapshot");
		});
	}

	@Test
	void aBucketThatDoesNotAnswerStopsStartupWithTheReasonAndCreatesNoDatabase() throws Exception {
		appOn("http://127.0.0.1:" + closedPort(), "sqlite.backup.restore.on-startup=if-missing").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Database 'dataSource'")
				.hasMessageContaining("could not be restored")
				.hasMessageContaining("sqlite.backup.restore.on-startup-required=false");
		});
		assertThat(this.dir.resolve("disk/data/app.db")).doesNotExist();
	}

	private static int closedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
