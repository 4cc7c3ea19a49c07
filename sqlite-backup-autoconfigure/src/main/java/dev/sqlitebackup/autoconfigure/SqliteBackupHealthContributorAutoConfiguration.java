package dev.sqlitebackup.autoconfigure;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.support.CronExpression;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.SqliteBackupHealthIndicator;

/**
 * Auto-configuration for the {@code sqliteBackup} health contributor. Active when Spring Boot's
 * health module is present; {@code management.health.sqlitebackup.enabled=false} turns it off.
 */
@AutoConfiguration(after = SqliteBackupAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(SqliteBackupTemplate.class)
@ConditionalOnEnabledHealthIndicator("sqlitebackup")
@EnableConfigurationProperties(SqliteBackupProperties.class)
public final class SqliteBackupHealthContributorAutoConfiguration {

	/** How far ahead the schedule is read to find its longest gap. */
	private static final Duration SCHEDULE_LOOKAHEAD = Duration.ofDays(8);

	private static final int MAX_SCHEDULE_RUNS = 10_000;

	@Bean
	@ConditionalOnMissingBean(name = "sqliteBackupHealthIndicator")
	SqliteBackupHealthIndicator sqliteBackupHealthIndicator(SqliteBackupTemplate template,
			SqliteBackupProperties properties) {
		Map<String, @Nullable Duration> maxAges = new HashMap<>();
		for (String database : template.getDatabaseNames()) {
			maxAges.put(database, maxAge(properties, database));
		}
		SqliteBackupHealthIndicator indicator = new SqliteBackupHealthIndicator(template, maxAges::get,
				properties.getContinuous().getMaxLag());
		if (properties.getDrill().isEnabled()) {
			indicator.setMaxSinceDrillPassed(twiceTheLongestGap(properties.getDrill().getCron()));
		}
		return indicator;
	}

	/**
	 * The configured maximum age, else twice the longest gap between two scheduled runs in the
	 * coming week (a weekday-only schedule must not turn the health down every weekend), else none.
	 */
	static @Nullable Duration maxAge(SqliteBackupProperties properties, String database) {
		Duration configured = properties.getHealth().getMaxAge();
		if (configured != null) {
			return configured;
		}
		if (!properties.isScheduled(database)) {
			return null;
		}
		return twiceTheLongestGap(properties.cronOf(database));
	}

	/**
	 * Twice the longest gap between two runs of a cron in the coming week (a weekday-only schedule
	 * must not turn the health down every weekend), or {@code null} when it runs at most once.
	 */
	static @Nullable Duration twiceTheLongestGap(String expression) {
		CronExpression cron = CronExpression.parse(expression);
		ZonedDateTime start = ZonedDateTime.now();
		ZonedDateTime end = start.plus(SCHEDULE_LOOKAHEAD);
		ZonedDateTime previous = cron.next(start);
		Duration longestGap = Duration.ZERO;
		for (int i = 0; previous != null && previous.isBefore(end) && i < MAX_SCHEDULE_RUNS; i++) {
			ZonedDateTime next = cron.next(previous);
			if (next == null) {
				break;
			}
			Duration gap = Duration.between(previous, next);
			if (gap.compareTo(longestGap) > 0) {
				longestGap = gap;
			}
			previous = next;
		}
		return longestGap.isZero() ? null : longestGap.multipliedBy(2);
	}

}
