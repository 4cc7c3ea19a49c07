package dev.sqlitebackup.engine;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteOpenMode;
import org.sqlite.core.DB;

import dev.sqlitebackup.VerifyMode;

/** Opening connections the engine owns, and the few SQL probes it runs on them. */
public final class SqliteConnections {

	private SqliteConnections() {
	}

	/** A dedicated read-write connection to a database file, outside the application's pool. */
	public static SQLiteConnection open(Path file, Duration busyTimeout) throws SQLException {
		return open(file, busyTimeout, false);
	}

	/** A read-only connection to a file the engine checks or restores from. */
	public static SQLiteConnection openReadOnly(Path file) throws SQLException {
		return open(file, Duration.ZERO, true);
	}

	/**
	 * A dedicated read-write connection to the application's live database file, which must exist:
	 * the engine never creates a live database. Opening a missing file with SQLite's default flags
	 * would create an empty database there, and every backup of it would pass its checks.
	 */
	public static SQLiteConnection openLive(Path file, Duration busyTimeout) throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.resetOpenMode(SQLiteOpenMode.CREATE);
		config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
		return config.createConnection("jdbc:sqlite:" + file).unwrap(SQLiteConnection.class);
	}

	/**
	 * The name under which SQLite's backup API opens the live database as its destination: a
	 * {@code file:} URI with {@code mode=rw}, so that a missing file fails with SQLITE_CANTOPEN
	 * instead of being created. Characters that SQLite's URI syntax reserves are escaped.
	 */
	public static String liveUri(Path file) {
		StringBuilder uri = new StringBuilder("file:");
		for (char c : file.toAbsolutePath().toString().toCharArray()) {
			switch (c) {
				case '%' -> uri.append("%25");
				case '?' -> uri.append("%3F");
				case '#' -> uri.append("%23");
				default -> uri.append(c);
			}
		}
		return uri.append("?mode=rw").toString();
	}

	/**
	 * Makes a connection read its database file through mmap ({@code PRAGMA mmap_size}), for
	 * copies of rollback-journal databases only.
	 * <p>
	 * SQLite's backup API reads one page per system call; mapping the file made a 1 GiB copy
	 * about a third faster here (2.7–3.2 s to 1.6–2.2 s to a file, 1.3–1.9 s to 1.0–1.4 s into
	 * memory), and in rollback-journal mode the application's writers wait for exactly that copy.
	 * WAL copies, which writers do not wait for, read without it: closing the connection unmaps
	 * the file, and tearing down a 1 GiB mapping stalled every other thread of the process for
	 * about 40 ms, which an application writer in the same JVM saw as its worst commit at the end
	 * of every WAL backup (BENCHMARKS.md). The known cost of mmap, a signal instead of an error
	 * code on a failing disk, is accepted for this short-lived read-only use.
	 */
	public static void mapForReading(SQLiteConnection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			// SQLite caps this at its compile-time maximum (2 GiB by default); beyond it reads are plain.
			statement.execute("PRAGMA mmap_size=" + (1L << 40));
		}
	}

	/** A connection to a SQLite URI, such as a named in-memory database the engine stages a copy in. */
	public static SQLiteConnection openUri(String uri) throws SQLException {
		return new SQLiteConfig().createConnection("jdbc:sqlite:" + uri).unwrap(SQLiteConnection.class);
	}

	private static SQLiteConnection open(Path file, Duration busyTimeout, boolean readOnly) throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setReadOnly(readOnly);
		config.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, busyTimeout.toMillis()));
		Connection connection = config.createConnection("jdbc:sqlite:" + file);
		return connection.unwrap(SQLiteConnection.class);
	}

	/** The native handle behind a (possibly pooled, proxied) connection. */
	public static DB nativeDb(Connection connection) throws SQLException {
		return connection.unwrap(SQLiteConnection.class).getDatabase();
	}

	public static String text(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			return rows.next() ? String.valueOf(rows.getString(1)) : "";
		}
	}

	public static long number(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			return rows.next() ? rows.getLong(1) : 0;
		}
	}

	/**
	 * Result of {@code PRAGMA quick_check} or {@code integrity_check}: empty when SQLite says
	 * "ok", else its first messages.
	 */
	public static List<String> check(Connection connection, VerifyMode mode) throws SQLException {
		if (mode == VerifyMode.NONE) {
			return List.of();
		}
		String pragma = (mode == VerifyMode.FULL) ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)";
		List<String> problems = new ArrayList<>();
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(pragma)) {
			while (rows.next()) {
				String line = rows.getString(1);
				if (!"ok".equals(line)) {
					problems.add(line);
				}
			}
		}
		return problems;
	}

	/** The schema as SQLite stores it, for comparing a restored database with its backup. */
	public static List<String> schema(Connection connection) throws SQLException {
		List<String> schema = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement
					.executeQuery("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name")) {
			while (rows.next()) {
				schema.add(rows.getString(1) + "|" + rows.getString(2) + "|" + rows.getString(3) + "|"
						+ rows.getString(4));
			}
		}
		return schema;
	}

	/** A readable name for a SQLite result code, such as {@code SQLITE_FULL (13): disk full}. */
	public static String describe(int resultCode) {
		SQLiteErrorCode code = SQLiteErrorCode.getErrorCode(resultCode);
		String name = (code == SQLiteErrorCode.UNKNOWN_ERROR) ? "SQLite error" : code.name();
		String meaning = switch (resultCode & 0xFF) {
			case 5, 6 -> ": the database is locked";
			case 10 -> ": disk I/O error";
			case 13 -> ": disk full";
			case 14 -> ": cannot open the file";
			case 26 -> ": not a database";
			default -> "";
		};
		return name + " (" + resultCode + ")" + meaning;
	}

}
