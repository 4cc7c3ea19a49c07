package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Creates the folder of every SQLite file database before its pool opens the first connection:
 * SQLite creates a missing database file but not a missing folder, and fails with
 * {@code SQLITE_CANTOPEN} instead.
 */
final class SqliteDirectoryCreator implements BeanPostProcessor {

	private static final Logger logger = LoggerFactory.getLogger(SqliteDirectoryCreator.class);

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// After initialization the pool is bound to its properties (spring.datasource.*), and pools
		// connect on first use, so no connection has been opened yet.
		if (bean instanceof DataSource dataSource) {
			String url = SqliteDataSources.jdbcUrl(dataSource);
			Path file = (url != null) ? SqliteUrls.databaseFile(url) : null;
			if (file != null) {
				createParent(beanName, file.toAbsolutePath());
			}
		}
		return bean;
	}

	private static void createParent(String beanName, Path file) {
		Path folder = file.getParent();
		if (folder == null || Files.isDirectory(folder)) {
			return;
		}
		try {
			Files.createDirectories(folder);
			logger.info("Created folder {} for the SQLite database of DataSource '{}'", folder, beanName);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot create folder " + folder + " for the SQLite database of DataSource '"
					+ beanName + "' (set sqlite.backup.create-directories=false to leave it to you): " + ex, ex);
		}
	}

}
