package dev.sqlitebackup.autoconfigure;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/**
 * Reads the database file out of a SQLite JDBC URL without connecting, for what must happen before
 * the pool opens its first connection.
 */
final class SqliteUrls {

	private static final String PREFIX = "jdbc:sqlite:";

	private SqliteUrls() {
	}

	/** Whether a SQLite URL opens an in-memory database. */
	static boolean isInMemory(String url) {
		if (!url.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
			return false;
		}
		String location = url.substring(PREFIX.length());
		return location.isEmpty() || location.startsWith(":memory:") || location.startsWith("file::memory:")
				|| location.contains("mode=memory");
	}

	/**
	 * File a SQLite URL opens, as written (a relative path is relative to the working directory),
	 * or {@code null} for an in-memory database, a class path resource, or another driver's URL.
	 */
	static @Nullable Path databaseFile(String url) {
		if (!url.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
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
		boolean uri = location.startsWith("file:");
		if (uri) {
			location = location.substring("file:".length());
			if (location.startsWith("//")) {
				// file://host/path: SQLite accepts only an empty host or localhost, so the path follows.
				int path = location.indexOf('/', 2);
				location = (path >= 0) ? location.substring(path) : "";
			}
			location = URLDecoder.decode(location.replace("+", "%2B"), StandardCharsets.UTF_8);
		}
		if (location.isEmpty() || location.startsWith(":memory:") || location.startsWith(":resource:")) {
			return null;
		}
		return Path.of(location);
	}

}
