package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.RestoreDrillCheck;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.event.RestoreDrillCompletedEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Restore drills as the auto-configuration sets them up: the cron, the application's checks, the event. */
class RestoreDrillSchedulingTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
	}

	@Test
	void runByDefaultShouldScheduleDrills() {
		contextRunner().run((context) -> assertThat(context).hasSingleBean(SqliteDrillScheduler.class));
	}

	@Test
	void runWhenDrillsAreDisabledShouldScheduleNone() {
		contextRunner().withPropertyValues("sqlite.backup.drill.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SqliteDrillScheduler.class));
	}

	@Test
	void runWithAnInvalidCronShouldFailNamingTheProperty() {
		contextRunner().withPropertyValues("sqlite.backup.drill.cron=every day")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("sqlite.backup.drill.cron"));
	}

	@Test
	void aScheduledDrillRunsTheApplicationsChecksAndPublishesItsEvent() {
		contextRunner().withUserConfiguration(DrillObserver.class)
			.withPropertyValues("sqlite.backup.drill.cron=* * * * * *")
			.run((context) -> {
				// A drill that meets the backup below waits; a minute would outlast the test.
				context.getBean(SqliteDrillScheduler.class).setRetryMillis(100);
				context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				List<RestoreDrillResult> drills = context.getBean(DrillObserver.class).drills;
				await().atMost(Duration.ofSeconds(20)).until(() -> drills.stream().anyMatch(RestoreDrillResult::passed));
				RestoreDrillResult passed = drills.stream().filter(RestoreDrillResult::passed).findFirst().orElseThrow();
				assertThat(passed.checks()).singleElement().satisfies((check) -> {
					assertThat(check.name()).isEqualTo("items");
					assertThat(check.message()).isEqualTo("1 items");
				});
				assertThat(context.getBean(SqliteBackupTemplate.class).lastDrill("dataSource")).isPresent();
			});
	}

	/** Collects every drill's event, and checks each restored copy. */
	@Configuration(proxyBeanMethods = false)
	static class DrillObserver implements ApplicationListener<RestoreDrillCompletedEvent> {

		final List<RestoreDrillResult> drills = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(RestoreDrillCompletedEvent event) {
			this.drills.add(event.getResult());
		}

		@Bean
		RestoreDrillCheck itemsCheck() {
			return new RestoreDrillCheck() {

				@Override
				public String check(java.sql.Connection restored) throws Exception {
					try (var statement = restored.createStatement();
							var rows = statement.executeQuery("SELECT count(*) FROM item")) {
						rows.next();
						return rows.getLong(1) + " items";
					}
				}

				@Override
				public String name() {
					return "items";
				}

			};
		}

	}

}
