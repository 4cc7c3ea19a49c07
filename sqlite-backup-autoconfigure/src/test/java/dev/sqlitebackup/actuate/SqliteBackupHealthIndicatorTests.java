package dev.sqlitebackup.actuate;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.autoconfigure.SqliteBackupAutoConfiguration;
import dev.sqlitebackup.autoconfigure.TestDataSources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SqliteBackupHealthIndicator} at a fixed time; the auto-configured indicator is
 * covered by {@code SqliteBackupHealthContributorAutoConfigurationTests}.
 */
class SqliteBackupHealthIndicatorTests {

	private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"));
	}

	@Test
	void runWhenEveryBackupIsDatedInTheFutureShouldReportDownSayingTheClockLooksSetBack() {
		contextRunner().run((context) -> {
			Backup futureDated = templateAt(context, NOW.plus(Duration.ofDays(10))).backup("dataSource");
			Health health = indicatorAt(context, NOW, Duration.ofHours(1)).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(databaseDetails(health)).doesNotContainKey("newestBackup")
				.containsEntry("futureDatedBackups", List.of(futureDated.id()));
			assertThat((String) databaseDetails(health).get("reason")).contains("clock looks set back")
				.contains(futureDated.createdAt().toString());
		});
	}

	@Test
	void runWhenABackupIsDatedInTheFutureShouldJudgeTheAgeByTheNewestBackupBeforeNow() {
		contextRunner().run((context) -> {
			Backup old = templateAt(context, NOW.minus(Duration.ofHours(2))).backup("dataSource");
			templateAt(context, NOW.plus(Duration.ofDays(10))).backup("dataSource");
			// Running since that backup: a start in between would count as fresh instead.
			SettableClock clock = new SettableClock(NOW.minus(Duration.ofHours(2)));
			SqliteBackupHealthIndicator indicator = indicatorOn(context, clock, Duration.ofHours(1));
			clock.set(NOW);
			Health health = indicator.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(databaseDetails(health)).containsEntry("newestBackup", old.id());
			assertThat((String) databaseDetails(health).get("reason")).contains("clock looks set back")
				.contains("older than PT1H");
		});
	}

	@Test
	void runWhenAFreshBackupFollowsFutureDatedOnesShouldReportUpWithAWarning() {
		contextRunner().run((context) -> {
			Backup futureDated = templateAt(context, NOW.plus(Duration.ofDays(10))).backup("dataSource");
			Backup fresh = templateAt(context, NOW.minus(Duration.ofMinutes(10))).backup("dataSource");
			Health health = indicatorAt(context, NOW, Duration.ofHours(1)).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(databaseDetails(health)).containsEntry("newestBackup", fresh.id())
				.containsEntry("futureDatedBackups", List.of(futureDated.id()))
				.doesNotContainKey("reason");
			assertThat((String) databaseDetails(health).get("warning")).contains("clock looks set back");
		});
	}

	@Test
	void runAfterARestartThatFollowedDowntimeShouldNotReportTheBackupMissedMeanwhileAsStale() {
		contextRunner().run((context) -> {
			Backup beforeDowntime = templateAt(context, NOW.minus(Duration.ofHours(3))).backup("dataSource");
			SettableClock clock = new SettableClock(NOW);
			SqliteBackupHealthIndicator restarted = indicatorOn(context, clock, Duration.ofHours(2));
			clock.set(NOW.plus(Duration.ofMinutes(1)));
			Health health = restarted.health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(databaseDetails(health)).containsEntry("newestBackup", beforeDowntime.id())
				.doesNotContainKey("reason");
		});
	}

	@Test
	void runAfterARestartShouldReportDownOnceTheMaxAgeHasPassedSinceTheStartWithoutABackup() {
		contextRunner().run((context) -> {
			templateAt(context, NOW.minus(Duration.ofHours(3))).backup("dataSource");
			SettableClock clock = new SettableClock(NOW);
			SqliteBackupHealthIndicator restarted = indicatorOn(context, clock, Duration.ofHours(2));
			clock.set(NOW.plus(Duration.ofHours(2)).plusSeconds(1));
			Health health = restarted.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) databaseDetails(health).get("reason"))
				.isEqualTo("no backup since the application started 7201 s ago");
		});
	}

	@Test
	void runAfterARestartShouldReportDownAtOnceWhenABackupFails() {
		contextRunner().run((context) -> {
			templateAt(context, NOW.minus(Duration.ofHours(3))).backup("dataSource");
			SettableClock clock = new SettableClock(NOW);
			SqliteBackupHealthIndicator restarted = indicatorOn(context, clock, Duration.ofHours(2));
			clock.set(NOW.plusSeconds(5));
			restarted.backupFailed("dataSource", BackupTrigger.SCHEDULED, Duration.ofSeconds(1),
					new SqliteBackupException("dataSource", null, "disk full"));
			Health health = restarted.health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(databaseDetails(health)).containsEntry("reason", "last backup attempt failed");
		});
	}

	/** A template on the context's database and store whose clock stands still at {@code instant}. */
	@Test
	void runWhenNoDrillPassedForLongerThanAllowedShouldReportDownUntilOnePasses() {
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Instant now = Instant.now();
			SettableClock clock = new SettableClock(now.minus(Duration.ofHours(49)));
			SqliteBackupHealthIndicator indicator = new SqliteBackupHealthIndicator(template, (database) -> null, clock);
			indicator.setMaxSinceDrillPassed(Duration.ofHours(48));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
			clock.set(now);
			Health stale = indicator.health();
			assertThat(stale.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) databaseDetails(stale).get("reason")).contains("no restore drill passed in the last PT48H");
			template.backup("dataSource");
			assertThat(template.drill("dataSource").passed()).isTrue();
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void runWhenTheLastDrillFailedShouldReportDownWithItsProblem() {
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThat(template.drill("dataSource").passed()).isFalse();
			Health health = indicatorAt(context, Instant.now(), Duration.ofDays(1)).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat((String) databaseDetails(health).get("reason")).contains("the last restore drill failed")
				.contains("holds no backup");
			assertThat(databaseDetails(health)).containsKey("lastDrill");
		});
	}

	private static SqliteBackupTemplate templateAt(AssertableApplicationContext context, Instant instant) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("dataSource", context.getBean(DataSource.class))),
				context.getBean(BackupStore.class), BackupOptions.defaults(), Clock.fixed(instant, ZoneOffset.UTC));
	}

	private static SqliteBackupHealthIndicator indicatorAt(AssertableApplicationContext context, Instant instant,
			Duration maxAge) {
		return new SqliteBackupHealthIndicator(context.getBean(SqliteBackupTemplate.class), (database) -> maxAge,
				Clock.fixed(instant, ZoneOffset.UTC));
	}

	/** An indicator created (the application started) at the clock's current time. */
	private static SqliteBackupHealthIndicator indicatorOn(AssertableApplicationContext context, Clock clock,
			Duration maxAge) {
		return new SqliteBackupHealthIndicator(context.getBean(SqliteBackupTemplate.class), (database) -> maxAge,
				clock);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> databaseDetails(Health health) {
		Map<String, Object> databases = (Map<String, Object>) health.getDetails().get("databases");
		return (Map<String, Object>) databases.get("dataSource");
	}

	/** A clock that stands still until a test moves it. */
	private static final class SettableClock extends Clock {

		private volatile Instant instant;

		SettableClock(Instant instant) {
			this.instant = instant;
		}

		void set(Instant instant) {
			this.instant = instant;
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
