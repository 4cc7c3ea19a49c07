package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the scheduler's catch-up at startup of a run that was due while the application was
 * not running, on a yearly schedule so that no planned run interferes.
 */
class ScheduledCatchUpTests {

	private static final String YEARLY = "0 0 0 1 1 *";

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.cron=" + YEARLY);
	}

	@Test
	void runWhenAScheduledRunWasMissedWhileStoppedShouldTakeItAtStartup() {
		Backup beforeDowntime = backupTakenAt(Instant.now().minus(Duration.ofDays(800)));
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			await().atMost(Duration.ofSeconds(20)).until(() -> template.list("dataSource").size() == 2);
			List<Backup> backups = template.list("dataSource");
			assertThat(backups.get(1).id()).isEqualTo(beforeDowntime.id());
			assertThat(backups.get(0).trigger()).isEqualTo(BackupTrigger.SCHEDULED);
		});
	}

	@Test
	void runWhenNoScheduledRunWasMissedShouldTakeNoBackupAtStartup() {
		backupTakenAt(Instant.now());
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
				.until(() -> template.list("dataSource").size() == 1);
		});
	}

	@Test
	void runWhenCatchUpIsOffShouldLeaveAMissedRunToTheSchedule() {
		backupTakenAt(Instant.now().minus(Duration.ofDays(800)));
		contextRunner().withPropertyValues("sqlite.backup.schedule.catch-up=false").run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
				.until(() -> template.list("dataSource").size() == 1);
		});
	}

	@Test
	void runWhenTheDatabaseWasNeverBackedUpShouldLeaveTheFirstBackupToTheSchedule() {
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
				.until(() -> template.list("dataSource").isEmpty());
		});
	}

	/** A backup taken by an earlier run of the application whose clock read {@code instant}. */
	private Backup backupTakenAt(Instant instant) {
		try (HikariDataSource dataSource = TestDataSources.hikariSqlite(this.dir.resolve("app.db"))) {
			SqliteBackupTemplate earlier = new SqliteBackupTemplate(List.of(SqliteDatabase.of("dataSource", dataSource)),
					new LocalDirectoryBackupStore(this.dir.resolve("backups")), BackupOptions.defaults(),
					Clock.fixed(instant, ZoneId.systemDefault()));
			return earlier.backup("dataSource");
		}
	}

}
