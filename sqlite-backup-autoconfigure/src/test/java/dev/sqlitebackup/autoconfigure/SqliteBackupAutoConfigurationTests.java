package dev.sqlitebackup.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.scheduling.ScheduledTasksEndpointAutoConfiguration;
import org.springframework.boot.actuate.scheduling.ScheduledTasksEndpoint;
import org.springframework.boot.actuate.scheduling.ScheduledTasksEndpoint.CronTaskDescriptor;
import org.springframework.boot.actuate.scheduling.ScheduledTasksEndpoint.TaskDescriptor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskSchedulingAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.config.TaskExecutionOutcome;
import org.springframework.scheduling.config.TaskManagementConfigUtils;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.RetentionPolicy;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupOperations;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.event.BackupCompletedEvent;
import dev.sqlitebackup.event.BackupFailedEvent;
import dev.sqlitebackup.event.RestoreCompletedEvent;
import dev.sqlitebackup.event.SqliteBackupEvent;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** Tests for {@link SqliteBackupAutoConfiguration}. */
class SqliteBackupAutoConfigurationTests {

	private static final String EVERY_SECOND = "*/1 * * * * *";

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"));
	}

	@Test
	void autoConfigurationsAreRegisteredForImport() {
		assertThat(ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())).contains(
				SqliteBackupAutoConfiguration.class.getName(),
				"dev.sqlitebackup.autoconfigure.SqliteBackupHealthContributorAutoConfiguration",
				"dev.sqlitebackup.autoconfigure.SqliteBackupMetricsAutoConfiguration",
				"dev.sqlitebackup.autoconfigure.SqliteBackupSanitizingAutoConfiguration",
				"dev.sqlitebackup.autoconfigure.SqliteDirectoriesAutoConfiguration",
				"dev.sqlitebackup.autoconfigure.SqliteBackupCacheEvictionAutoConfiguration");
	}

	@Test
	void runWhenNoDataSourceShouldNotConfigureBackups() {
		contextRunner().run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(SqliteBackupTemplate.class)
			.doesNotHaveBean(SqliteBackupScheduler.class)
			.doesNotHaveBean(BackupStore.class));
	}

	@Test
	void runWithSqliteDataSourceShouldOfferTheTemplateAsItsOperationsInterface() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.run((context) -> assertThat(context).hasSingleBean(SqliteBackupOperations.class)
				.getBean(SqliteBackupOperations.class)
				.isSameAs(context.getBean(SqliteBackupTemplate.class)));
	}

	@Test
	void runWhenOnlyNonSqliteDataSourceShouldBackUpNothing() {
		contextRunner().withUserConfiguration(TestDataSources.OnlyH2.class).run((context) -> {
			assertThat(context.getBean(SqliteBackupTemplate.class).getDatabaseNames()).isEmpty();
			assertThat(context.getBean(SqliteBackupScheduler.class).getScheduledTasks()).isEmpty();
			assertThat(this.dir.resolve("backups")).doesNotExist();
		});
	}

	@Test
	void runWhenDisabledShouldNotConfigureBackups() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(SqliteBackupTemplate.class)
				.doesNotHaveBean(SqliteBackupScheduler.class)
				.doesNotHaveBean(SqliteBackupProperties.class));
	}

	@Test
	void runWhenSqliteJdbcIsAbsentShouldNotConfigureBackups() {
		contextRunner().withUserConfiguration(TestDataSources.OnlyH2.class)
			.withClassLoader(new FilteredClassLoader(SQLiteConnection.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SqliteBackupTemplate.class));
	}

	@Test
	void runWhenTwoSqliteAndOneH2DataSourceShouldBackUpTheSqliteOnesByBeanName() {
		contextRunner().withUserConfiguration(TwoSqliteAndH2.class).run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThat(template.getDatabaseNames()).containsExactlyInAnyOrder("orders", "users");
			assertThat(template.getDatabase("orders").file()).contains(this.dir.resolve("orders.db").toAbsolutePath());
			assertThat(template.getDatabase("users").file()).contains(this.dir.resolve("users.db").toAbsolutePath());
		});
	}

	@Test
	void runWhenUserDefinesTemplateShouldBackOff() {
		contextRunner().withUserConfiguration(UserTemplate.class).run((context) -> {
			assertThat(context).hasSingleBean(SqliteBackupTemplate.class);
			assertThat(context.getBean(SqliteBackupTemplate.class)).isSameAs(context.getBean("userTemplate"));
			assertThat(context).hasSingleBean(SqliteBackupScheduler.class);
		});
	}

	@Test
	void runWhenDatabaseHasItsOwnDirectoryShouldKeepItsBackupsThere() {
		Path ordersDirectory = this.dir.resolve("orders-backups");
		contextRunner().withUserConfiguration(TwoSqliteAndH2.class)
			.withPropertyValues("sqlite.backup.databases.orders.directory=" + ordersDirectory)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				Backup orders = template.backup("orders");
				Backup users = template.backup("users");
				assertThat(ordersDirectory.resolve("orders").resolve(orders.id() + ".sqlite")).isRegularFile();
				assertThat(this.dir.resolve("backups").resolve("users").resolve(users.id() + ".sqlite"))
					.isRegularFile();
				assertThat(template.list("orders")).extracting(Backup::id).containsExactly(orders.id());
			});
	}

	@Test
	void runWhenPropertiesSetShouldConfigureEngineOptions() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.verify=FULL", "sqlite.backup.busy-timeout=2s",
					"sqlite.backup.restore.safety-backup=false", "sqlite.backup.max-write-rate=64MB",
					"sqlite.backup.memory-staging-limit=0")
			.run((context) -> {
				BackupOptions options = context.getBean(SqliteBackupTemplate.class).getOptions();
				assertThat(options.verifyMode()).isEqualTo(dev.sqlitebackup.VerifyMode.FULL);
				assertThat(options.busyTimeout()).isEqualTo(Duration.ofSeconds(2));
				assertThat(options.safetyBackup()).isFalse();
				assertThat(options.maxBytesPerSecond()).isEqualTo(64L * 1024 * 1024);
				assertThat(options.memoryStagingLimit()).isZero();
			});
	}

	@Test
	void runWhenCronIsInvalidShouldFailWithItsPropertyValue() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.schedule.cron=every hour")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("every hour"));
	}

	@Test
	void runWhenScheduledEverySecondShouldTakeBackupsAndApplyRetention() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, CompletedBackups.class)
			.withPropertyValues("sqlite.backup.schedule.cron=" + EVERY_SECOND, "sqlite.backup.retention.keep-last=2")
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				List<BackupCompletedEvent> completed = context.getBean(CompletedBackups.class).events;
				await().atMost(Duration.ofSeconds(20))
					.untilAsserted(() -> assertThat(completed).hasSizeGreaterThanOrEqualTo(3));
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(template.list("dataSource")).hasSize(2));
				assertThat(template.list("dataSource")).allMatch((backup) -> backup.trigger() == BackupTrigger.SCHEDULED);
			});
	}

	@Test
	void runWithCalendarRetentionShouldPruneByItInTheServersTimeZone() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.retention.keep-last=3", "sqlite.backup.retention.keep-daily=7",
					"sqlite.backup.retention.keep-weekly=4", "sqlite.backup.retention.keep-monthly=12",
					"sqlite.backup.retention.max-age=400d")
			.run((context) -> assertThat(context.getBean(SqliteBackupScheduler.class).getRetention())
				.isEqualTo(new RetentionPolicy(3, 7, 4, 12, Duration.ofDays(400), ZoneId.systemDefault())));
	}

	@Test
	void runWithKeepDailyOfZeroShouldFailAtStartup() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.retention.keep-daily=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("sqlite.backup.retention")
				.hasMessageContaining("keepDaily must be at least 1"));
	}

	@Test
	void runWhenScheduledBackupFailsShouldKeepRunning() throws Exception {
		Path notADirectory = Files.createFile(this.dir.resolve("not-a-directory"));
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, FailedBackups.class)
			.withPropertyValues("sqlite.backup.schedule.cron=" + EVERY_SECOND,
					"sqlite.backup.directory=" + notADirectory)
			.run((context) -> {
				List<BackupFailedEvent> failed = context.getBean(FailedBackups.class).events;
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(failed).hasSizeGreaterThanOrEqualTo(2));
				assertThat(failed).allMatch((event) -> event.getTrigger() == BackupTrigger.SCHEDULED);
				assertThat(context.getBean(SqliteBackupScheduler.class).getScheduledTasks()).singleElement()
					.satisfies((task) -> assertThat(task.getTask().getLastExecutionOutcome().status())
						.isEqualTo(TaskExecutionOutcome.Status.ERROR));
			});
	}

	@Test
	void runWhenContextClosesDuringBackupShouldWaitForItToFinish() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class).run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			template.addListener(slowProgress(Duration.ofMillis(800)));
			Thread backup = new Thread(() -> template.backup("dataSource"));
			backup.start();
			await().atMost(Duration.ofSeconds(5)).until(() -> template.currentOperation("dataSource").isPresent());
			context.close();
			assertThat(template.currentOperation("dataSource")).isEmpty();
			backup.join(5000);
			assertThat(template.list("dataSource")).hasSize(1);
		});
	}

	@Test
	void runWhenBackupOutlivesShutdownTimeoutShouldStopWaiting() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("sqlite.backup.shutdown-timeout=200ms")
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				template.addListener(slowProgress(Duration.ofSeconds(3)));
				Thread backup = new Thread(() -> template.backup("dataSource"));
				backup.start();
				await().atMost(Duration.ofSeconds(5)).until(() -> template.currentOperation("dataSource").isPresent());
				long started = System.nanoTime();
				context.close();
				assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
				assertThat(template.currentOperation("dataSource")).isPresent();
				backup.join(10000);
			});
	}

	private static BackupListener slowProgress(Duration delay) {
		AtomicBoolean slept = new AtomicBoolean();
		return new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				if (slept.compareAndSet(false, true)) {
					try {
						Thread.sleep(delay.toMillis());
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}
			}

		};
	}

	@Test
	void runWhenScheduleDisabledForDatabaseShouldNotScheduleIt() {
		contextRunner().withUserConfiguration(TwoSqliteAndH2.class)
			.withPropertyValues("sqlite.backup.databases.users.schedule.enabled=false",
					"sqlite.backup.databases.orders.schedule.cron=0 30 2 * * *")
			.run((context) -> assertThat(context.getBean(SqliteBackupScheduler.class).getScheduledTasks())
				.extracting((task) -> task.getTask().toString())
				.singleElement()
				.asString()
				.contains("orders"));
	}

	@Test
	void runWhenApplicationEnablesSchedulingShouldListBackupJobInScheduledTasks() {
		contextRunner()
			.withConfiguration(AutoConfigurations.of(TaskSchedulingAutoConfiguration.class,
					EndpointAutoConfiguration.class, ScheduledTasksEndpointAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class, ApplicationWithScheduling.class)
			.withPropertyValues("management.endpoints.web.exposure.include=scheduledtasks")
			.run((context) -> {
				List<TaskDescriptor> cron = context.getBean(ScheduledTasksEndpoint.class).scheduledTasks().getCron();
				assertThat(cron).extracting((task) -> task.getRunnable().getTarget())
					.contains(SqliteBackupScheduler.class.getName() + ".backup(dataSource)",
							ApplicationWithScheduling.class.getName() + ".tick");
				assertThat(cron).filteredOn((task) -> task.getRunnable().getTarget().contains("backup(dataSource)"))
					.singleElement()
					.extracting((task) -> ((CronTaskDescriptor) task).getExpression())
					.isEqualTo("0 0 * * * *");
			});
	}

	@Test
	void runWhenApplicationDoesNotEnableSchedulingShouldLeaveItsScheduledMethodsOff() {
		contextRunner().withConfiguration(AutoConfigurations.of(TaskSchedulingAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class, ScheduledMethodWithoutScheduling.class,
					CompletedBackups.class)
			.withPropertyValues("sqlite.backup.schedule.cron=" + EVERY_SECOND)
			.run((context) -> {
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(context.getBean(CompletedBackups.class).events).isNotEmpty());
				assertThat(context.getBean(ScheduledMethodWithoutScheduling.class).ticks).hasValue(0);
				assertThat(context).doesNotHaveBean(TaskScheduler.class)
					.doesNotHaveBean(TaskManagementConfigUtils.SCHEDULED_ANNOTATION_PROCESSOR_BEAN_NAME);
			});
	}

	@Test
	void runWhenBackupCompletesShouldPublishEvent() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, CompletedBackups.class)
			.run((context) -> {
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(context.getBean(CompletedBackups.class).events).singleElement()
					.satisfies((event) -> {
						assertThat(event.getBackup()).isEqualTo(backup);
						assertThat(event.getDatabase()).isEqualTo("dataSource");
					});
			});
	}

	@Test
	void runWhenBackupFailsShouldPublishEvent() throws Exception {
		Path notADirectory = Files.createFile(this.dir.resolve("not-a-directory"));
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, FailedBackups.class)
			.withPropertyValues("sqlite.backup.directory=" + notADirectory)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> template.backup("dataSource"));
				assertThat(context.getBean(FailedBackups.class).events).singleElement().satisfies((event) -> {
					assertThat(event.getDatabase()).isEqualTo("dataSource");
					assertThat(event.getTrigger()).isEqualTo(BackupTrigger.MANUAL);
					assertThat(event.getFailure()).isInstanceOf(SqliteBackupException.class);
				});
			});
	}

	@Test
	void runWhenRestoreCompletesShouldPublishEvent() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, CompletedRestores.class)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				Backup backup = template.backup("dataSource");
				template.restore("dataSource", backup.id());
				assertThat(context.getBean(CompletedRestores.class).events).singleElement()
					.satisfies((event) -> assertThat(event.getResult().restoredFrom()).isEqualTo(backup.id()));
			});
	}

	@Test
	void runWhenEventListenerFailsShouldStillPublishBackup() {
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class, FailingListener.class)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				Backup backup = template.backup("dataSource");
				assertThat(template.list("dataSource")).extracting(Backup::id).containsExactly(backup.id());
			});
	}

	@Test
	void runWhenStartedShouldRemoveLeftoversOfInterruptedBackups() throws Exception {
		Path staging = Files.createDirectories(this.dir.resolve("backups/dataSource/.staging"));
		Path leftover = Files.writeString(staging.resolve("20261124T000000000Z-aaaaaa.sqlite"), "partial");
		contextRunner().withUserConfiguration(TestDataSources.SingleSqlite.class)
			.run((context) -> assertThat(leftover).doesNotExist());
	}

	@Configuration(proxyBeanMethods = false)
	static class TwoSqliteAndH2 {

		@Bean
		HikariDataSource orders(@Value("${test.dir}") Path dir) {
			return TestDataSources.hikariSqlite(dir.resolve("orders.db"));
		}

		@Bean
		SQLiteDataSource users(@Value("${test.dir}") Path dir) {
			return TestDataSources.plainSqlite(dir.resolve("users.db"));
		}

		@Bean
		JdbcDataSource reporting() {
			return TestDataSources.h2("reporting");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserTemplate {

		@Bean
		HikariDataSource dataSource(@Value("${test.dir}") Path dir) {
			return TestDataSources.hikariSqlite(dir.resolve("app.db"));
		}

		@Bean
		SqliteBackupTemplate userTemplate(HikariDataSource dataSource, @Value("${test.dir}") Path dir) {
			return new SqliteBackupTemplate(List.of(SqliteDatabase.of("main", dataSource)),
					new LocalDirectoryBackupStore(dir.resolve("mine")), BackupOptions.defaults());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableScheduling
	static class ApplicationWithScheduling {

		@Scheduled(cron = "0 0 12 * * *")
		void tick() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScheduledMethodWithoutScheduling {

		final AtomicInteger ticks = new AtomicInteger();

		@Scheduled(fixedRate = 10)
		void tick() {
			this.ticks.incrementAndGet();
		}

	}

	static class CompletedBackups implements ApplicationListener<BackupCompletedEvent> {

		final List<BackupCompletedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(BackupCompletedEvent event) {
			this.events.add(event);
		}

	}

	static class FailedBackups implements ApplicationListener<BackupFailedEvent> {

		final List<BackupFailedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(BackupFailedEvent event) {
			this.events.add(event);
		}

	}

	static class CompletedRestores implements ApplicationListener<RestoreCompletedEvent> {

		final List<RestoreCompletedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(RestoreCompletedEvent event) {
			this.events.add(event);
		}

	}

	static class FailingListener implements ApplicationListener<SqliteBackupEvent> {

		@Override
		public void onApplicationEvent(SqliteBackupEvent event) {
			throw new IllegalStateException("Notification service is down");
		}

	}

}
