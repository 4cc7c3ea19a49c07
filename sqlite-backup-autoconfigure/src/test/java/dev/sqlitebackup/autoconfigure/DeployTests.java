package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static dev.sqlitebackup.autoconfigure.StartupRestoreTests.insert;
import static dev.sqlitebackup.autoconfigure.StartupRestoreTests.names;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Deploys with one writer per store: two instances of an application, each with its own database
 * file, share one backup directory (a bucket behaves the same); the lease lets exactly one capture,
 * and a new instance on an empty disk waits for it, then restores what the old one shipped last.
 */
class DeployTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	@TempDir
	Path dir;

	@BeforeAll
	static void createBucket() {
		s3proxy.client().createBucket((request) -> request.bucket("deploys"));
	}

	private String[] bucket() {
		return new String[] { "sqlite.backup.s3.bucket=deploys", "sqlite.backup.s3.prefix=" + this.dir.getFileName(),
				"sqlite.backup.s3.endpoint=" + s3proxy.server().endpoint(), "sqlite.backup.s3.path-style-access=true",
				"sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
				"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY };
	}

	private ApplicationContextRunner instance(String name, String... properties) {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					SqliteDirectoriesAutoConfiguration.class, SqliteBackupAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + this.dir.resolve(name).resolve("app.db"),
					"spring.datasource.hikari.connection-init-sql=PRAGMA journal_mode=WAL",
					"spring.datasource.hikari.maximum-pool-size=2", "spring.datasource.name=app",
					"sqlite.backup.directory=" + this.dir.resolve("store"), "sqlite.backup.schedule.enabled=false",
					"sqlite.backup.drill.enabled=false", "sqlite.backup.continuous.enabled=true",
					"sqlite.backup.continuous.sync-interval=200ms")
			.withPropertyValues(properties);
	}

	@Test
	void ofTwoInstancesOnOneStoreExactlyOneCapturesAndAStopHandsOverWithinASecond() throws Exception {
		CountDownLatch standingBy = new CountDownLatch(1);
		CompletableFuture<ContinuousStatus> secondAfterHandover = new CompletableFuture<>();
		AtomicReference<Thread> secondThread = new AtomicReference<>();
		instance("first").run((first) -> {
			SqliteBackupTemplate firstTemplate = first.getBean(SqliteBackupTemplate.class);
			createTable(first.getBean(DataSource.class));
			insert(first.getBean(DataSource.class), "on the first");
			await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(firstTemplate) == ContinuousStatus.State.RUNNING);
			Thread second = new Thread(() -> {
				try {
					instance("second").run((context) -> {
						SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
						await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(template) == ContinuousStatus.State.STANDBY);
						assertThat(template.continuousStatus("dataSource").orElseThrow().lease().epoch()).isEqualTo(1);
						standingBy.countDown();
						await().atMost(Duration.ofSeconds(60)).until(() -> stateOf(template) != ContinuousStatus.State.STANDBY);
						secondAfterHandover.complete(template.continuousStatus("dataSource").orElseThrow());
					});
				}
				catch (Throwable ex) {
					secondAfterHandover.completeExceptionally(ex);
				}
			});
			secondThread.set(second);
			second.start();
			assertThat(standingBy.await(20, TimeUnit.SECONDS)).isTrue();
			assertThat(stateOf(firstTemplate)).isEqualTo(ContinuousStatus.State.RUNNING);
		});
		long stopped = System.nanoTime();
		ContinuousStatus after = secondAfterHandover.get(60, TimeUnit.SECONDS);
		assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(1));
		// Its context closes (a last pass, the lease released) before the test's folder goes.
		secondThread.get().join(30_000);
		assertThat(after.lease().epoch()).isEqualTo(2);
	}

	@Test
	void ofTwoInstancesOnOneBucketExactlyOneCapturesAndTheOtherShowsTheHolder() {
		instance("first", bucket()).run((first) -> {
			createTable(first.getBean(DataSource.class));
			SqliteBackupTemplate firstTemplate = first.getBean(SqliteBackupTemplate.class);
			await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(firstTemplate) == ContinuousStatus.State.RUNNING);
			instance("second", bucket()).run((second) -> {
				SqliteBackupTemplate template = second.getBean(SqliteBackupTemplate.class);
				await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(template) == ContinuousStatus.State.STANDBY);
				ContinuousStatus standby = template.continuousStatus("dataSource").orElseThrow();
				assertThat(standby.lease().epoch()).isEqualTo(1);
				assertThat(standby.lastFailure()).contains("lease epoch 1");
				assertThat(stateOf(firstTemplate)).isEqualTo(ContinuousStatus.State.RUNNING);
			});
		});
	}

	private static ContinuousStatus.State stateOf(SqliteBackupTemplate template) {
		return template.continuousStatus("dataSource").orElseThrow().state();
	}

	private static void createTable(DataSource dataSource) throws java.sql.SQLException {
		try (java.sql.Connection connection = dataSource.getConnection();
				java.sql.Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
		}
	}

	@Test
	void aRollingDeployEndsWithEveryAcknowledgedWriteOnTheNewInstance() throws Exception {
		CompletableFuture<List<String>> onTheNewInstance = new CompletableFuture<>();
		AtomicReference<Thread> newThread = new AtomicReference<>();
		instance("old").run((old) -> {
			DataSource oldData = old.getBean(DataSource.class);
			createTable(oldData);
			insert(oldData, "one", "two", "three");
			Thread newInstance = new Thread(() -> {
				try {
					instance("new", "sqlite.backup.restore.on-startup=if-missing").run((context) -> {
						assertThat(context).hasNotFailed();
						onTheNewInstance.complete(names(context.getBean(DataSource.class)));
					});
				}
				catch (Throwable ex) {
					onTheNewInstance.completeExceptionally(ex);
				}
			});
			newThread.set(newInstance);
			newInstance.start();
			Thread.sleep(1_500);
			assertThat(onTheNewInstance).as("the new instance waits for the lease").isNotDone();
			// Written and committed on the old instance until the moment it stops.
			insert(oldData, "four", "five");
		});
		assertThat(onTheNewInstance.get(60, TimeUnit.SECONDS)).containsExactly("one", "two", "three", "four", "five");
		newThread.get().join(30_000);
	}

}
