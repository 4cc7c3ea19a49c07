package dev.sqlitebackup.autoconfigure;

import jakarta.persistence.EntityManagerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cache.CacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.event.CacheEvictingRestoreListener;
import dev.sqlitebackup.event.JpaCacheEvictingRestoreListener;

/**
 * Auto-configuration that clears the application's caches after a successful restore
 * ({@code sqlite.backup.restore.evict-caches}): every {@link CacheManager}'s caches, and the JPA
 * second-level cache when JPA is present. The managers and factories are looked up at each
 * restore, so their own auto-configurations may come in any order.
 */
@AutoConfiguration(after = SqliteBackupAutoConfiguration.class)
@ConditionalOnBean(SqliteBackupTemplate.class)
@ConditionalOnBooleanProperty(name = "sqlite.backup.restore.evict-caches", matchIfMissing = true)
public final class SqliteBackupCacheEvictionAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	CacheEvictingRestoreListener sqliteBackupCacheEvictingRestoreListener(ObjectProvider<CacheManager> cacheManagers) {
		return new CacheEvictingRestoreListener(() -> cacheManagers.orderedStream().toList());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(EntityManagerFactory.class)
	static final class JpaCacheEvictionConfiguration {

		@Bean
		@ConditionalOnMissingBean
		JpaCacheEvictingRestoreListener sqliteBackupJpaCacheEvictingRestoreListener(
				ObjectProvider<EntityManagerFactory> entityManagerFactories) {
			return new JpaCacheEvictingRestoreListener(() -> entityManagerFactories.orderedStream().toList());
		}

	}

}
