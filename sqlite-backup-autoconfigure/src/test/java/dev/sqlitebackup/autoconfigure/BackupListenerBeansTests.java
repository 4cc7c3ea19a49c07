package dev.sqlitebackup.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.SqliteBackupHealthIndicator;
import dev.sqlitebackup.event.BackupCompletedEvent;
import dev.sqlitebackup.event.BackupEventPublisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for the registration of {@link BackupListener} beans with the template: the application's
 * listeners, the starter's, and an application's own {@link BackupEventPublisher}.
 */
class BackupListenerBeansTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class,
					SqliteBackupMetricsAutoConfiguration.class, SqliteBackupHealthContributorAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withBean(SimpleMeterRegistry.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"));
	}

	@Test
	void runWhenTheApplicationHasABackupListenerBeanShouldTellItOfABackup() {
		contextRunner().withBean(RecordingListener.class).run((context) -> {
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(context.getBean(RecordingListener.class).calls).containsExactly("backup " + backup.id());
		});
	}

	@Test
	void runWhenTheApplicationHasABackupListenerBeanShouldTellItOfARestore() {
		contextRunner().withBean(RecordingListener.class).run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup backup = template.backup("dataSource");
			template.restore("dataSource", backup.id());
			assertThat(context.getBean(RecordingListener.class).calls)
				.filteredOn((call) -> call.startsWith("restore"))
				.containsExactly("restore " + backup.id());
		});
	}

	@Test
	void runWhenTheApplicationDefinesItsOwnEventPublisherShouldPublishEventsThroughIt() {
		contextRunner().withUserConfiguration(OwnEventPublisher.class).withBean(CompletedBackups.class).run((context) -> {
			assertThat(context).getBean(BackupEventPublisher.class).isInstanceOf(CountingEventPublisher.class);
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(context.getBean(CountingEventPublisher.class).completed).isEqualTo(1);
			assertThat(context.getBean(CompletedBackups.class).events).singleElement()
				.satisfies((event) -> assertThat(event.getBackup().id()).isEqualTo(backup.id()));
		});
	}

	@Test
	void runWhenTheApplicationDefinesItsOwnEventPublisherShouldStillFeedMetricsAndHealthWithFailures()
			throws Exception {
		Path notADirectory = Files.createFile(this.dir.resolve("not-a-directory"));
		contextRunner().withUserConfiguration(OwnEventPublisher.class)
			.withPropertyValues("sqlite.backup.directory=" + notADirectory)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> template.backup("dataSource"));
				assertThat(context.getBean(MeterRegistry.class)
					.get("sqlite.backup.failures")
					.tag("database", "dataSource")
					.counter()
					.count()).isEqualTo(1);
				Health health = context.getBean(SqliteBackupHealthIndicator.class).health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(databaseDetails(health)).containsEntry("reason", "last backup attempt failed");
			});
	}

	@Test
	void runWithOrderedListenerBeansShouldTellThemInTheirOrder() {
		contextRunner().withUserConfiguration(OrderedListeners.class).run((context) -> {
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(context.getBean(OrderedListeners.class).told).containsExactly("first", "second", "third");
		});
	}

	@Test
	void runShouldTellEachListenerOnceEvenWhenItIsABeanUnderTwoNames() {
		RecordingListener shared = new RecordingListener();
		contextRunner().withBean("oneName", BackupListener.class, () -> shared)
			.withBean("otherName", BackupListener.class, () -> shared)
			.withBean(CompletedBackups.class)
			.run((context) -> {
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(shared.calls).containsExactly("backup " + backup.id());
				assertThat(context.getBean(CompletedBackups.class).events).hasSize(1);
				assertThat(context.getBean(MeterRegistry.class)
					.get("sqlite.backup")
					.tags("database", "dataSource", "outcome", "success")
					.timer()
					.count()).isEqualTo(1);
			});
	}

	@Test
	void runWhenEveryBeanIsLazyShouldStillTellTheListenersAndPublishEvents() {
		contextRunner()
			.withInitializer(
					(context) -> context.addBeanFactoryPostProcessor(new LazyInitializationBeanFactoryPostProcessor()))
			.withBean(RecordingListener.class)
			.withBean(CompletedBackups.class)
			.run((context) -> {
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(context.getBean(RecordingListener.class).calls).containsExactly("backup " + backup.id());
				assertThat(context.getBean(CompletedBackups.class).events).hasSize(1);
			});
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> databaseDetails(Health health) {
		Map<String, Object> databases = (Map<String, Object>) health.getDetails().get("databases");
		return (Map<String, Object>) databases.get("dataSource");
	}

	static class RecordingListener implements BackupListener {

		final List<String> calls = new CopyOnWriteArrayList<>();

		@Override
		public void backupCompleted(Backup backup) {
			this.calls.add("backup " + backup.id());
		}

		@Override
		public void backupFailed(String database, BackupTrigger trigger, Duration elapsed, Exception failure) {
			this.calls.add("backup failed");
		}

		@Override
		public void restoreCompleted(RestoreResult result) {
			this.calls.add("restore " + result.restoredFrom());
		}

		@Override
		public void restoreFailed(String database, String backupId, Duration elapsed, Exception failure) {
			this.calls.add("restore failed");
		}

	}

	static class CountingEventPublisher extends BackupEventPublisher {

		int completed;

		CountingEventPublisher(SqliteBackupTemplate template, ApplicationEventPublisher publisher) {
			super(template, publisher);
		}

		@Override
		public void backupCompleted(Backup backup) {
			this.completed++;
			super.backupCompleted(backup);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnEventPublisher {

		@Bean
		CountingEventPublisher ownEventPublisher(SqliteBackupTemplate template, ApplicationEventPublisher publisher) {
			return new CountingEventPublisher(template, publisher);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OrderedListeners {

		final List<String> told = new CopyOnWriteArrayList<>();

		@Bean
		@Order(3)
		BackupListener thirdListener() {
			return telling("third");
		}

		@Bean
		@Order(1)
		BackupListener firstListener() {
			return telling("first");
		}

		@Bean
		@Order(2)
		BackupListener secondListener() {
			return telling("second");
		}

		private BackupListener telling(String name) {
			return new BackupListener() {

				@Override
				public void backupCompleted(Backup backup) {
					OrderedListeners.this.told.add(name);
				}

			};
		}

	}

	static class CompletedBackups implements ApplicationListener<BackupCompletedEvent> {

		final List<BackupCompletedEvent> events = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(BackupCompletedEvent event) {
			this.events.add(event);
		}

	}

}
