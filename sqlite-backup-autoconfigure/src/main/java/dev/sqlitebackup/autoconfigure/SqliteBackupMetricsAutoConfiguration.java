package dev.sqlitebackup.autoconfigure;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.ContinuousBackupMetrics;
import dev.sqlitebackup.actuate.SqliteBackupMetrics;

/**
 * Auto-configuration for the Micrometer meters of SQLite backups. Active when Micrometer is on the
 * classpath and the application has a {@link MeterRegistry}.
 */
@AutoConfiguration(after = SqliteBackupAutoConfiguration.class,
		afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ SqliteBackupTemplate.class, MeterRegistry.class })
public final class SqliteBackupMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SqliteBackupMetrics sqliteBackupMetrics(SqliteBackupTemplate template, MeterRegistry registry) {
		return new SqliteBackupMetrics(template, registry);
	}

	@Bean
	@ConditionalOnMissingBean
	ContinuousBackupMetrics continuousBackupMetrics(SqliteBackupTemplate template, MeterRegistry registry) {
		return new ContinuousBackupMetrics(template, registry);
	}

}
