package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.InitializingBean;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.StartupRestoreResult;
import dev.sqlitebackup.autoconfigure.SqliteBackupRestoreProperties.OnStartup;

/**
 * Restores every missing or empty SQLite database from the store when the application starts
 * ({@code sqlite.backup.restore.on-startup=if-missing}). It is a database initializer that comes
 * first ({@link SqliteStartupRestoreDetector}), so Flyway, Liquibase, {@code spring.sql.init} and
 * JPA only meet the database once it is back. A restore that cannot be done stops startup unless
 * {@code restore.on-startup-required=false}: an empty database silently standing in for the real
 * one is what this exists to prevent.
 */
final class SqliteStartupRestore implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(SqliteStartupRestore.class);

	private final SqliteBackupTemplate template;

	private final SqliteBackupRestoreProperties properties;

	private final SqliteBackupProperties all;

	private final Map<String, DataSource> dataSources;

	private final Map<String, StartupRestoreResult> results = new ConcurrentHashMap<>();

	SqliteStartupRestore(SqliteBackupTemplate template, SqliteBackupProperties properties,
			Map<String, DataSource> dataSources) {
		this.template = template;
		this.properties = properties.getRestore();
		this.all = properties;
		this.dataSources = dataSources;
	}

	@Override
	public void afterPropertiesSet() {
		if (this.properties.getOnStartup() == OnStartup.NEVER) {
			return;
		}
		List<String> failures = new ArrayList<>();
		for (String database : this.template.getDatabaseNames()) {
			String failure = restoreIfMissing(database);
			if (failure != null) {
				failures.add(failure);
			}
		}
		if (failures.isEmpty()) {
			return;
		}
		if (this.properties.isOnStartupRequired()) {
			throw new IllegalStateException(String.join("; ", failures) + ". Startup stops so that an empty database "
					+ "does not stand in for the real one: make the store reachable and start again, restore by hand, "
					+ "or set sqlite.backup.restore.on-startup-required=false to start with an empty database");
		}
		failures.forEach((failure) -> logger.warn("{}; the application starts with it empty, as "
				+ "sqlite.backup.restore.on-startup-required=false says", failure));
	}

	/** What the restore of each database at startup did; empty before it ran, or when it is off. */
	Map<String, StartupRestoreResult> results() {
		return Map.copyOf(this.results);
	}

	/**
	 * With continuous backup under a lease, a missing database waits for the lease before it is
	 * restored: the instance that holds it (the one this deploy replaces) runs its last pass and
	 * releases it when it stops, so the restore includes everything it shipped. Startup is not
	 * complete meanwhile, so no probe answers ready. Fails startup naming the holder when the wait
	 * runs out.
	 */
	private void awaitLeaseIfMissing(String database, @Nullable Path file) {
		if (file == null || !this.all.isContinuous(database) || this.template.getOptions().leaseDuration() == null
				|| !SqliteFilesAtStartup.isMissingOrEmpty(file)) {
			return;
		}
		Duration wait = this.all.getLease().getWaitOnStartup();
		this.template.awaitLease(database, wait)
			.ifPresent((lease) -> logger.info("Database '{}' is missing; this instance holds the lease on its continuous "
					+ "backup (epoch {}) and restores it", database, lease.epoch()));
	}

	/** Restores one database if it is missing; the reason when that could not be done, else {@code null}. */
	private String restoreIfMissing(String database) {
		DataSource dataSource = this.dataSources.get(database);
		String url = (dataSource != null) ? SqliteDataSources.jdbcUrl(dataSource) : null;
		if (url == null) {
			logger.warn("Database '{}' is not restored at startup: its DataSource exposes no JDBC URL, and finding "
					+ "its file would mean opening it", database);
			return null;
		}
		Path file = SqliteUrls.databaseFile(url);
		if (file == null && !SqliteUrls.isInMemory(url)) {
			return null;
		}
		awaitLeaseIfMissing(database, file);
		try {
			StartupRestoreResult result = this.template.restoreIfMissing(database, file);
			this.results.put(database, result);
			return null;
		}
		catch (RuntimeException ex) {
			return "Database '" + database + "'" + ((file != null) ? " at " + file.toAbsolutePath() : "")
					+ " is missing and could not be restored from the store: " + ex.getMessage();
		}
	}

}
