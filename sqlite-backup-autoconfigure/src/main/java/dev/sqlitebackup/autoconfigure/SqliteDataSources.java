package dev.sqlitebackup.autoconfigure;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.BeanWrapper;
import org.springframework.beans.PropertyAccessorFactory;

import dev.sqlitebackup.SqliteDatabase;

/**
 * Picks the SQLite databases out of an application's data sources, by what they connect to
 * rather than by their type, so that Hikari, any other pool and a plain {@link SQLiteDataSource}
 * are all found.
 */
final class SqliteDataSources {

	private static final Logger logger = LoggerFactory.getLogger(SqliteDataSources.class);

	private static final String SQLITE_URL_PREFIX = "jdbc:sqlite:";

	private SqliteDataSources() {
	}

	/** The SQLite data sources among the given beans, each named by its bean name. */
	static List<SqliteDatabase> find(Map<String, DataSource> dataSources) {
		List<SqliteDatabase> databases = new ArrayList<>();
		dataSources.forEach((name, dataSource) -> {
			if (isSqlite(name, dataSource)) {
				databases.add(SqliteDatabase.of(name, dataSource));
			}
		});
		return databases;
	}

	/**
	 * Whether a data source connects to SQLite. The cheap answers come first: a SQLite data source
	 * (possibly behind a wrapper), then the JDBC URL that pools such as Hikari or DBCP expose as a
	 * property. Only when neither answers is a connection opened, so that a pool that is not
	 * SQLite is not started early for nothing.
	 */
	static boolean isSqlite(String name, DataSource dataSource) {
		try {
			if (dataSource.isWrapperFor(SQLiteDataSource.class)) {
				return true;
			}
		}
		catch (SQLException | RuntimeException ex) {
			// Fall through to the other checks.
		}
		String url = jdbcUrl(dataSource);
		if (url != null) {
			return url.regionMatches(true, 0, SQLITE_URL_PREFIX, 0, SQLITE_URL_PREFIX.length());
		}
		boolean sqlite = SqliteDatabase.isSqlite(dataSource);
		logger.debug("DataSource '{}' exposes no JDBC URL; a connection says it is {}SQLite", name,
				sqlite ? "" : "not ");
		return sqlite;
	}

	/** JDBC URL a data source exposes as a property (Hikari, DBCP, SQLite's own), without connecting. */
	static @Nullable String jdbcUrl(DataSource dataSource) {
		BeanWrapper wrapper = PropertyAccessorFactory.forBeanPropertyAccess(dataSource);
		for (String property : new String[] { "jdbcUrl", "url" }) {
			try {
				if (wrapper.isReadableProperty(property)
						&& wrapper.getPropertyValue(property) instanceof String url && !url.isBlank()) {
					return url;
				}
			}
			catch (RuntimeException ex) {
				// A getter that fails tells us nothing; try the next one.
			}
		}
		return null;
	}

}
