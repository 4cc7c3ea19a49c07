package dev.sqlitebackup.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Creates the directory of the SQLite file before the pool opens its first connection: SQLite
 * creates a missing database file but not a missing directory, and the sample must start on a
 * fresh clone with {@code jdbc:sqlite:data/sample.db} or any URL given on the command line.
 */
class SqliteDirectoryCreator implements BeanPostProcessor {

	private static final String PREFIX = "jdbc:sqlite:";

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// After initialization the pool is bound to spring.datasource.* but has not connected yet.
		if (bean instanceof HikariDataSource dataSource && dataSource.getJdbcUrl() != null) {
			Path file = databaseFile(dataSource.getJdbcUrl());
			if (file != null && file.toAbsolutePath().getParent() != null) {
				try {
					Files.createDirectories(file.toAbsolutePath().getParent());
				}
				catch (IOException ex) {
					throw new UncheckedIOException("Cannot create the directory of " + file, ex);
				}
			}
		}
		return bean;
	}

	/** File of a SQLite URL, or {@code null} for in-memory databases and other drivers. */
	static @Nullable Path databaseFile(String url) {
		if (!url.startsWith(PREFIX)) {
			return null;
		}
		String location = url.substring(PREFIX.length());
		int query = location.indexOf('?');
		if (query >= 0) {
			if (location.substring(query).contains("mode=memory")) {
				return null;
			}
			location = location.substring(0, query);
		}
		if (location.startsWith("file:")) {
			location = location.substring("file:".length());
		}
		if (location.isEmpty() || location.startsWith(":memory:") || location.startsWith(":resource:")) {
			return null;
		}
		return Path.of(location);
	}

}
