package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/** Real SQLite databases for engine tests: files in a temp directory, pooled or plain, and in memory. */
final class TestDatabases {

	static final int ACCOUNTS = 200;

	static final long BALANCE = 1_000;

	private TestDatabases() {
	}

	enum Mode {

		WAL, DELETE

	}

	static HikariDataSource hikari(Path file, Mode mode) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:sqlite:" + file);
		config.setMaximumPoolSize(4);
		config.addDataSourceProperty("busy_timeout", "20000");
		config.addDataSourceProperty("journal_mode", mode.name());
		return new HikariDataSource(config);
	}

	static SQLiteDataSource plain(Path file, Mode mode) {
		SQLiteConfig config = new SQLiteConfig();
		config.setBusyTimeout(20_000);
		config.setJournalMode((mode == Mode.WAL) ? SQLiteConfig.JournalMode.WAL : SQLiteConfig.JournalMode.DELETE);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + file);
		return dataSource;
	}

	static DataSource create(Path file, Mode mode, boolean pooled) {
		return pooled ? hikari(file, mode) : plain(file, mode);
	}

	/** Accounts with a known total, plus padding so the file spans many pages. */
	static void createAccounts(DataSource dataSource, int paddingBytes) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, padding BLOB)");
			statement.execute("CREATE INDEX account_balance ON account (balance)");
			connection.setAutoCommit(false);
			try (PreparedStatement insert = connection
				.prepareStatement("INSERT INTO account (id, balance, padding) VALUES (?, ?, randomblob(?))")) {
				for (int id = 1; id <= ACCOUNTS; id++) {
					insert.setInt(1, id);
					insert.setLong(2, BALANCE);
					insert.setInt(3, paddingBytes);
					insert.addBatch();
				}
				insert.executeBatch();
			}
			connection.commit();
		}
	}

	static void createNotes(DataSource dataSource, String... notes) throws SQLException {
		execute(dataSource, "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
		for (String note : notes) {
			addNote(dataSource, note);
		}
	}

	static void addNote(DataSource dataSource, String note) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement insert = connection.prepareStatement("INSERT INTO note (text) VALUES (?)")) {
			insert.setString(1, note);
			insert.executeUpdate();
		}
	}

	static List<String> notes(DataSource dataSource) throws SQLException {
		List<String> notes = new ArrayList<>();
		try (Connection connection = dataSource.getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT text FROM note ORDER BY id")) {
			while (rows.next()) {
				notes.add(rows.getString(1));
			}
		}
		return notes;
	}

	static void execute(DataSource dataSource, String sql) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	static long queryLong(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	static String queryText(Connection connection, String sql) throws SQLException {
		try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** A connection of our own to a file (a backup, say), outside any pool. */
	static Connection open(Path file) throws SQLException {
		return new SQLiteConfig().createConnection("jdbc:sqlite:" + file);
	}

	/**
	 * Writes the database file while no capture runs (a new {@code user_version}, checkpointed into
	 * the file), so that no capture can prove the chain before goes on: the next one starts a new
	 * chain, as a test of what happens between chains needs.
	 */
	static void changeWhileNotCaptured(DataSource dataSource) throws SQLException {
		long version;
		try (Connection connection = dataSource.getConnection()) {
			version = queryLong(connection, "PRAGMA user_version");
		}
		execute(dataSource, "PRAGMA user_version = " + (version + 1));
		execute(dataSource, "PRAGMA wal_checkpoint(TRUNCATE)");
	}

	/** Deletes a directory and everything in it, when it is there: a disk that was lost. */
	static void deleteTree(Path directory) throws java.io.IOException {
		if (!java.nio.file.Files.exists(directory)) {
			return;
		}
		try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(directory)) {
			for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
				java.nio.file.Files.delete(path);
			}
		}
	}

	/**
	 * Waits for the compaction block a pass asked for, which is built off the pass: tests run passes
	 * back to back, where a capture gives a block its sync interval.
	 */
	static void awaitCompaction(SqliteBackupTemplate template, String database) {
		try {
			if (!template.awaitCompaction(database, java.time.Duration.ofSeconds(60))) {
				throw new IllegalStateException("A compaction block of '" + database + "' took more than a minute");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	static void close(DataSource dataSource) {
		if (dataSource instanceof HikariDataSource hikari) {
			hikari.close();
		}
	}

}
