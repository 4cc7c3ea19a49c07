package dev.sqlitebackup.autoconfigure;

import java.util.Set;

import org.springframework.boot.sql.init.dependency.AbstractBeansOfTypeDatabaseInitializerDetector;
import org.springframework.core.Ordered;

/**
 * Makes the restore on startup the first database initializer: Flyway, Liquibase and
 * {@code spring.sql.init} initializers wait for it, and so does every bean that waits for them (JPA,
 * {@code JdbcTemplate}).
 */
public final class SqliteStartupRestoreDetector extends AbstractBeansOfTypeDatabaseInitializerDetector {

	@Override
	protected Set<Class<?>> getDatabaseInitializerBeanTypes() {
		return Set.of(SqliteStartupRestore.class);
	}

	/** Initializers of detectors ordered later depend on those of earlier ones; this one comes first. */
	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
