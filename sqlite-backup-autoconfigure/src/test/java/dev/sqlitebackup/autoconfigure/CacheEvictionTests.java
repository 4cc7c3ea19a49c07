package dev.sqlitebackup.autoconfigure;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.persistence.Cache;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for clearing the application's caches after a restore ({@code sqlite.backup.restore.evict-caches}). */
class CacheEvictionTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class,
					SqliteBackupCacheEvictionAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class, Caches.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
	}

	@Test
	void runWhenARestoreCompletesShouldClearEveryCacheOfEveryCacheManager() {
		contextRunner().run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup backup = template.backup("dataSource");
			CacheManager items = context.getBean("itemCacheManager", CacheManager.class);
			CacheManager pages = context.getBean("pageCacheManager", CacheManager.class);
			items.getCache("items").put(1, "read before the restore");
			pages.getCache("pages").put("/items", "rendered before the restore");
			template.restore("dataSource", backup.id());
			assertThat(items.getCache("items").get(1)).isNull();
			assertThat(pages.getCache("pages").get("/items")).isNull();
		});
	}

	@Test
	void runWhenABackupCompletesShouldKeepTheCaches() {
		contextRunner().run((context) -> {
			CacheManager items = context.getBean("itemCacheManager", CacheManager.class);
			items.getCache("items").put(1, "still true");
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(items.getCache("items").get(1).get()).isEqualTo("still true");
		});
	}

	@Test
	void runWhenEvictionIsOffShouldKeepTheCachesAfterARestore() {
		contextRunner().withPropertyValues("sqlite.backup.restore.evict-caches=false").run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup backup = template.backup("dataSource");
			CacheManager items = context.getBean("itemCacheManager", CacheManager.class);
			items.getCache("items").put(1, "kept on purpose");
			template.restore("dataSource", backup.id());
			assertThat(items.getCache("items").get(1).get()).isEqualTo("kept on purpose");
		});
	}

	@Test
	void runWhenARestoreCompletesShouldEvictTheJpaSecondLevelCache() {
		AtomicInteger evictions = new AtomicInteger();
		contextRunner().withBean(EntityManagerFactory.class, () -> entityManagerFactory(evictions)).run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup backup = template.backup("dataSource");
			assertThat(evictions).hasValue(0);
			template.restore("dataSource", backup.id());
			assertThat(evictions).hasValue(1);
		});
	}

	/**
	 * An open factory whose second-level cache counts {@code evictAll()}: the cache is JPA's
	 * interface, whatever provider an application uses.
	 */
	private static EntityManagerFactory entityManagerFactory(AtomicInteger evictions) {
		Cache cache = (Cache) Proxy.newProxyInstance(CacheEvictionTests.class.getClassLoader(),
				new Class<?>[] { Cache.class }, (proxy, method, args) -> {
					if (method.getName().equals("evictAll") && (args == null || args.length == 0)) {
						evictions.incrementAndGet();
						return null;
					}
					throw new UnsupportedOperationException(method.getName());
				});
		return (EntityManagerFactory) Proxy.newProxyInstance(CacheEvictionTests.class.getClassLoader(),
				new Class<?>[] { EntityManagerFactory.class }, (proxy, method, args) -> switch (method.getName()) {
					case "getCache" -> cache;
					case "isOpen" -> true;
					case "close" -> null;
					case "toString" -> "test EntityManagerFactory";
					case "hashCode" -> System.identityHashCode(proxy);
					case "equals" -> proxy == args[0];
					default -> throw new UnsupportedOperationException(method.getName());
				});
	}

	@Configuration(proxyBeanMethods = false)
	static class Caches {

		@Bean
		CacheManager itemCacheManager() {
			return new ConcurrentMapCacheManager("items");
		}

		@Bean
		CacheManager pageCacheManager() {
			return new ConcurrentMapCacheManager("pages");
		}

	}

}
