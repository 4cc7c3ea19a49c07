package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.Optional;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConnection;

/**
 * A named SQLite database: the {@link DataSource} an application uses, and what it points at (a
 * file, or an in-memory database reachable only through the data source). The location is read
 * from SQLite itself on first use, so every URL form (plain paths, {@code file:} URIs, query
 * parameters) resolves the same way.
 */
public final class SqliteDatabase {

	private final String name;

	private final DataSource dataSource;

	private volatile @Nullable Location location;

	private SqliteDatabase(String name, DataSource dataSource, @Nullable Location location) {
		this.name = Objects.requireNonNull(name, "name");
		this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
		this.location = location;
		if (name.isBlank()) {
			throw new IllegalArgumentException("Database name must not be blank");
		}
	}

	/** A database whose location is read from its data source on first use. */
	public static SqliteDatabase of(String name, DataSource dataSource) {
		return new SqliteDatabase(name, dataSource, null);
	}

	/**
	 * A database known only by what a store holds of it, as to a tool that restores without the
	 * application: there is no live database, and whatever needs one fails saying so.
	 */
	public static SqliteDatabase storedOnly(String name) {
		return new SqliteDatabase(name, new NoLiveDatabase(name), null);
	}

	/**
	 * Whether connections of the data source are SQLite connections. Opens (and closes) one
	 * connection.
	 */
	public static boolean isSqlite(DataSource dataSource) {
		try (Connection connection = dataSource.getConnection()) {
			return connection.isWrapperFor(SQLiteConnection.class);
		}
		catch (SQLException | RuntimeException ex) {
			return false;
		}
	}

	/** Name the database is known by (in Spring, its {@code DataSource} bean name). */
	public String name() {
		return this.name;
	}

	/** Data source the application uses. */
	public DataSource dataSource() {
		return this.dataSource;
	}

	/** Absolute path of the database file, or empty for an in-memory database. */
	public Optional<Path> file() {
		return Optional.ofNullable(location().file());
	}

	/** Whether the database lives only in memory and is reachable only through its data source. */
	public boolean isInMemory() {
		return location().file() == null;
	}

	private Location location() {
		Location location = this.location;
		if (location == null) {
			location = readLocation();
			this.location = location;
		}
		return location;
	}

	private Location readLocation() {
		try (Connection connection = this.dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("PRAGMA database_list")) {
			if (!connection.isWrapperFor(SQLiteConnection.class)) {
				throw new IllegalStateException("Data source of database '" + this.name + "' is not SQLite");
			}
			while (rows.next()) {
				if ("main".equals(rows.getString("name"))) {
					String file = rows.getString("file");
					return new Location((file == null || file.isEmpty()) ? null : Path.of(file).toAbsolutePath());
				}
			}
			throw new IllegalStateException("SQLite reported no main database for '" + this.name + "'");
		}
		catch (SQLException ex) {
			throw new SqliteBackupException(this.name, null,
					"Cannot open database '" + this.name + "': " + ex.getMessage(), ex);
		}
	}

	@Override
	public String toString() {
		Location location = this.location;
		return "SqliteDatabase[" + this.name + ((location == null) ? ""
				: (location.file() != null) ? " at " + location.file() : " in memory") + "]";
	}

	private record Location(@Nullable Path file) {
	}

	/** The data source of a database known only by its backups: it has no connection to give. */
	private record NoLiveDatabase(String name) implements DataSource {

		@Override
		public Connection getConnection() throws SQLException {
			throw new SQLException("Database '" + this.name + "' is known here only by its backups in the store; "
					+ "there is no live database to open");
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return getConnection();
		}

		@Override
		public java.io.PrintWriter getLogWriter() {
			return null;
		}

		@Override
		public void setLogWriter(java.io.PrintWriter out) {
		}

		@Override
		public void setLoginTimeout(int seconds) {
		}

		@Override
		public int getLoginTimeout() {
			return 0;
		}

		@Override
		public java.util.logging.Logger getParentLogger() throws java.sql.SQLFeatureNotSupportedException {
			throw new java.sql.SQLFeatureNotSupportedException();
		}

		@Override
		public <T> T unwrap(Class<T> type) throws SQLException {
			throw new SQLException("Not a wrapper of " + type.getName());
		}

		@Override
		public boolean isWrapperFor(Class<?> type) {
			return false;
		}

	}

}
