package dev.sqlitebackup.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.actuate.SqliteBackupHealthIndicator;
import dev.sqlitebackup.autoconfigure.SqliteBackupAutoConfiguration;
import dev.sqlitebackup.autoconfigure.SqliteBackupProperties;
import dev.sqlitebackup.autoconfigure.TestDataSources;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/** Tests for {@link SqliteBackupHealthContributorAutoConfiguration} and {@link SqliteBackupHealthIndicator}. */
class SqliteBackupHealthContributorAutoConfigurationTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class,
					SqliteBackupHealthContributorAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"));
	}

	@Test
	void runShouldHaveHealthIndicatorNamedSqliteBackup() {
		contextRunner().run((context) -> assertThat(context).hasSingleBean(SqliteBackupHealthIndicator.class)
			.hasBean("sqliteBackupHealthIndicator"));
	}

	@Test
	void runWhenHealthIndicatorDisabledShouldNotHaveIt() {
		contextRunner().withPropertyValues("management.health.sqlitebackup.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SqliteBackupHealthIndicator.class));
	}

	@Test
	void runWhenHealthModuleIsAbsentShouldNotHaveIndicator() {
		contextRunner().withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SqliteBackupTemplate.class)
				.doesNotHaveBean(SqliteBackupHealthIndicator.class));
	}

	@Test
	void runWhenNewestBackupIsRecentShouldReportUp() {
		contextRunner().withPropertyValues("sqlite.backup.health.max-age=1h").run((context) -> {
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			Health health = context.getBean(SqliteBackupHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.UP);
			assertThat(databaseDetails(health)).containsEntry("newestBackup", backup.id())
				.containsEntry("maxAge", "PT1H")
				.containsEntry("status", "UP");
		});
	}

	@Test
	void runWhenNewestBackupIsOlderThanMaxAgeShouldReportDown() {
		contextRunner().withPropertyValues("sqlite.backup.health.max-age=300ms").run((context) -> {
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			SqliteBackupHealthIndicator indicator = context.getBean(SqliteBackupHealthIndicator.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN));
			assertThat(databaseDetails(indicator.health())).containsEntry("reason",
					"newest backup is older than PT0.3S");
		});
	}

	@Test
	void runWhenAPlantedUnencryptedBackupIsNewestShouldNotCountItWhileEncryptionIsConfigured() {
		contextRunner()
			.withPropertyValues("sqlite.backup.health.max-age=500ms",
					"sqlite.backup.encryption.key=" + Base64.getEncoder().encodeToString(new byte[32]))
			.run((context) -> {
				Backup real = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				SqliteBackupHealthIndicator indicator = context.getBean(SqliteBackupHealthIndicator.class);
				await().atMost(Duration.ofSeconds(5))
					.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN));
				Instant now = Instant.now();
				String id = BackupIds.next(now);
				Path folder = this.dir.resolve("backups/dataSource");
				Files.writeString(folder.resolve(id + ".sqlite"), "planted");
				Files.writeString(folder.resolve(id + ".manifest"),
						ManifestFormat.write(new Backup(id, "dataSource", now, 7, "0".repeat(64), 4096, 1, "delete",
								"3.54.1", Backup.NO_COMPRESSION, true, VerifyMode.QUICK, Duration.ZERO,
								BackupTrigger.SCHEDULED)),
						StandardCharsets.ISO_8859_1);
				assertThat(context.getBean(SqliteBackupTemplate.class).list("dataSource").get(0).id()).isEqualTo(id);

				Health health = indicator.health();
				assertThat(health.getStatus()).isEqualTo(Status.DOWN);
				assertThat(databaseDetails(health)).containsEntry("newestBackup", real.id());
			});
	}

	@Test
	void runWhenLastBackupFailedShouldReportDown() throws Exception {
		Path notADirectory = Files.createFile(this.dir.resolve("not-a-directory"));
		contextRunner().withPropertyValues("sqlite.backup.directory=" + notADirectory).run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> template.backup("dataSource"));
			Health health = context.getBean(SqliteBackupHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(databaseDetails(health)).containsEntry("reason", "last backup attempt failed")
				.containsKey("lastFailure");
		});
	}

	@Test
	void runWhenTheStoreCannotListShouldReportTheDatabaseDownWithTheReason() {
		contextRunner().withBean(BackupStore.class, () -> new LocalDirectoryBackupStore(this.dir.resolve("backups")) {

			@Override
			public List<Backup> list(String database) {
				throw new IllegalStateException("Cannot list backups in s3://bucket/: Connection refused");
			}

		}).run((context) -> {
			Health health = context.getBean(SqliteBackupHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(databaseDetails(health))
				.containsEntry("reason", "Cannot list backups in s3://bucket/: Connection refused")
				.containsEntry("status", "DOWN");
		});
	}

	@Test
	void runWhenBackupSucceedsAfterFailureShouldReportUpAgain() {
		contextRunner().withPropertyValues("sqlite.backup.health.max-age=1h").run((context) -> {
			SqliteBackupHealthIndicator indicator = context.getBean(SqliteBackupHealthIndicator.class);
			indicator.backupFailed("dataSource", dev.sqlitebackup.BackupTrigger.SCHEDULED, Duration.ZERO,
					new IllegalStateException("disk full"));
			assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
		});
	}

	@Test
	void maxAgeWhenNotConfiguredShouldBeTwiceTheLongestScheduleGap() {
		SqliteBackupProperties properties = new SqliteBackupProperties();
		assertThat(SqliteBackupHealthContributorAutoConfiguration.maxAge(properties, "dataSource"))
			.isEqualTo(Duration.ofHours(2));
		properties.getSchedule().setCron("0 0 3 * * MON-FRI");
		assertThat(SqliteBackupHealthContributorAutoConfiguration.maxAge(properties, "dataSource"))
			.isEqualTo(Duration.ofDays(6));
		properties.getSchedule().setEnabled(false);
		assertThat(SqliteBackupHealthContributorAutoConfiguration.maxAge(properties, "dataSource")).isNull();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> databaseDetails(Health health) {
		Map<String, Object> databases = (Map<String, Object>) health.getDetails().get("databases");
		return (Map<String, Object>) databases.get("dataSource");
	}

}
