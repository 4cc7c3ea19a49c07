package dev.sqlitebackup.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.SqliteBackupEndpoint;
import dev.sqlitebackup.actuate.SqliteBackupEndpointArgumentsAdvisor;
import dev.sqlitebackup.actuate.SqliteBackupEndpointWebExtension;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration} for the
 * {@link SqliteBackupEndpoint}.
 */
@AutoConfiguration(after = SqliteBackupAutoConfiguration.class)
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnBean(SqliteBackupTemplate.class)
@ConditionalOnAvailableEndpoint(SqliteBackupEndpoint.class)
@EnableConfigurationProperties(SqliteBackupProperties.class)
public final class SqliteBackupEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SqliteBackupEndpoint sqliteBackupEndpoint(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		SqliteBackupRestoreProperties restore = properties.getRestore();
		return new SqliteBackupEndpoint(template, restore.isEnabled());
	}

	// No @ConditionalOnMissingBean: the endpoint discoverers apply every advisor bean, and an
	// application's own advisors must not switch this one off.
	@Bean
	OperationInvokerAdvisor sqliteBackupEndpointArgumentsAdvisor() {
		return new SqliteBackupEndpointArgumentsAdvisor();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(SqliteBackupEndpoint.class)
	@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
	SqliteBackupEndpointWebExtension sqliteBackupEndpointWebExtension(SqliteBackupEndpoint endpoint) {
		return new SqliteBackupEndpointWebExtension(endpoint);
	}

}
