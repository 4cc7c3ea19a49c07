package dev.sqlitebackup.autoconfigure;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import dev.sqlitebackup.actuate.SqliteBackupSanitizingFunction;

/**
 * Auto-configuration that keeps the backup keys out of actuator output. Active whenever the
 * actuator is present, even with {@code sqlite.backup.enabled=false} or no SQLite database: the
 * keys are in the environment all the same.
 */
@AutoConfiguration
@ConditionalOnClass(SanitizingFunction.class)
public final class SqliteBackupSanitizingAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "sqliteBackupSanitizingFunction")
	SqliteBackupSanitizingFunction sqliteBackupSanitizingFunction(Environment environment) {
		return SqliteBackupSanitizingFunction.of(environment);
	}

}
