package dev.sqlitebackup.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.actuate.SqliteBackupMetrics;
import dev.sqlitebackup.autoconfigure.SqliteBackupAutoConfiguration;
import dev.sqlitebackup.autoconfigure.TestDataSources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Tests for {@link SqliteBackupMetricsAutoConfiguration} and {@link SqliteBackupMetrics}. */
class SqliteBackupMetricsAutoConfigurationTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class,
					SqliteBackupMetricsAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class, Registry.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"));
	}

	@Test
	void runWhenNoMeterRegistryShouldNotHaveMetrics() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class,
					SqliteBackupMetricsAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"))
			.run((context) -> assertThat(context).hasSingleBean(SqliteBackupTemplate.class)
				.doesNotHaveBean(SqliteBackupMetrics.class));
	}

	@Test
	void runWhenMicrometerIsAbsentShouldNotHaveMetrics() {
		contextRunner().withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(SqliteBackupTemplate.class)
				.doesNotHaveBean(SqliteBackupMetrics.class));
	}

	@Test
	void runShouldRegisterMetersPerDatabase() {
		contextRunner().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("sqlite.backup.last.success.size").tag("database", "dataSource").gauge().value())
				.isNaN();
			assertThat(registry.get("sqlite.backup.last.success.time").tag("database", "dataSource").gauge().value())
				.isNaN();
			assertThat(registry.get("sqlite.backup.failures").tag("database", "dataSource").counter().count())
				.isZero();
		});
	}

	@Test
	void runWhenBackupCompletesShouldUpdateMeters() {
		contextRunner().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(registry.get("sqlite.backup")
				.tags("database", "dataSource", "outcome", "success", "trigger", "manual")
				.timer()
				.count()).isEqualTo(1);
			assertThat(registry.get("sqlite.backup.last.success.size").tag("database", "dataSource").gauge().value())
				.isEqualTo(backup.sizeBytes());
			assertThat(registry.get("sqlite.backup.last.success.time").tag("database", "dataSource").gauge().value())
				.isEqualTo(backup.createdAt().toEpochMilli() / 1000.0);
		});
	}

	@Test
	void runWhenBackupFailsShouldCountFailure() throws Exception {
		Path notADirectory = Files.createFile(this.dir.resolve("not-a-directory"));
		contextRunner().withPropertyValues("sqlite.backup.directory=" + notADirectory).run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> template.backup("dataSource"));
			assertThat(registry.get("sqlite.backup.failures").tag("database", "dataSource").counter().count())
				.isEqualTo(1);
			assertThat(registry.get("sqlite.backup").tags("database", "dataSource", "outcome", "failure").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void runWhenRestoreCompletesShouldTimeIt() {
		contextRunner().run((context) -> {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			template.restore("dataSource", template.backup("dataSource").id());
			assertThat(registry.get("sqlite.restore").tags("database", "dataSource", "outcome", "success").timer().count())
				.isEqualTo(1);
		});
	}

	@Test
	void runWhenBackupsExistAtStartupShouldReportNewest() {
		contextRunner().run((first) -> first.getBean(SqliteBackupTemplate.class).backup("dataSource"));
		contextRunner().run((context) -> assertThat(context.getBean(MeterRegistry.class)
			.get("sqlite.backup.last.success.size")
			.tag("database", "dataSource")
			.gauge()
			.value()).isPositive());
	}

	@Test
	void runWhenOnlyAFutureDatedBackupExistsAtStartupShouldReportNoNewest() {
		contextRunner().run((first) -> new SqliteBackupTemplate(
				List.of(SqliteDatabase.of("dataSource", first.getBean(DataSource.class))), first.getBean(BackupStore.class),
				BackupOptions.defaults(), Clock.offset(Clock.systemUTC(), Duration.ofDays(10)))
			.backup("dataSource"));
		contextRunner().run((context) -> assertThat(context.getBean(MeterRegistry.class)
			.get("sqlite.backup.last.success.time")
			.tag("database", "dataSource")
			.gauge()
			.value()).isNaN());
	}

	@Configuration(proxyBeanMethods = false)
	static class Registry {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

}
