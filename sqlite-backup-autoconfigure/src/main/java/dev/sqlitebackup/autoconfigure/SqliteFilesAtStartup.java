package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Notes which SQLite file databases were missing or empty when the application started, before
 * anything (a pool, {@code spring.sql.init}, Flyway) opened them: continuous backup must not
 * start a history of such a database over the one the store holds.
 */
final class SqliteFilesAtStartup implements BeanPostProcessor {

	private final Set<String> newDatabases = ConcurrentHashMap.newKeySet();

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// Pools connect on first use: after initialization nothing has opened the file yet.
		if (bean instanceof DataSource dataSource) {
			String url = SqliteDataSources.jdbcUrl(dataSource);
			Path file = (url != null) ? SqliteUrls.databaseFile(url) : null;
			if (file != null && isMissingOrEmpty(file)) {
				this.newDatabases.add(beanName);
			}
		}
		return bean;
	}

	/** Whether the database of this data source bean was missing or empty at startup. */
	boolean wasNew(String database) {
		return this.newDatabases.contains(database);
	}

	/** Whether a database file is missing or empty: nothing a pool opened has written to it. */
	static boolean isMissingOrEmpty(Path file) {
		try {
			return !Files.exists(file) || Files.size(file) == 0;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
