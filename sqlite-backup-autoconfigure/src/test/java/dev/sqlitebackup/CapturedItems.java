package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * A WAL-mode database of one table, {@code item}, under continuous backup to a local directory,
 * with a clock the test moves: what the continuous backup tests write, capture and compare.
 */
final class CapturedItems implements AutoCloseable {

	final Path folder;

	final DataSource dataSource;

	final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));

	final SqliteBackupTemplate template;

	CapturedItems(Path folder, BackupOptions options) throws SQLException {
		this(folder, options, null, true);
	}

	/**
	 * @param store the store, {@code null} for a local directory in the folder
	 * @param create whether to create the table, {@code false} to go on with the database the folder holds
	 */
	CapturedItems(Path folder, BackupOptions options, LocalDirectoryBackupStore store, boolean create)
			throws SQLException {
		this.folder = folder;
		this.dataSource = TestDatabases.hikari(folder.resolve("app.db"), Mode.WAL);
		if (create) {
			TestDatabases.execute(this.dataSource,
					"CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
		}
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				(store != null) ? store : new LocalDirectoryBackupStore(backups()), options, this.clock);
	}

	Path database() {
		return this.folder.resolve("app.db");
	}

	Path backups() {
		return this.folder.resolve("backups");
	}

	/** The segments in the store, in chain and sequence order. */
	List<Segment> segments() {
		return new LocalDirectoryBackupStore(backups()).listSegments("app")
			.stream()
			.sorted(java.util.Comparator.comparing(Segment::id))
			.toList();
	}

	/**
	 * One pass, a second after the last one; then the compaction block it asked for, if any, is
	 * given the time to be built, as a sync interval gives it.
	 */
	CaptureResult capture() {
		this.clock.advance(Duration.ofSeconds(1));
		CaptureResult result = this.template.capture("app");
		TestDatabases.awaitCompaction(this.template, "app");
		return result;
	}

	void insert(String label, int paddingBytes) throws SQLException {
		insert(this.dataSource, label, paddingBytes);
	}

	/** See {@link TestDatabases#changeWhileNotCaptured}. */
	void changeWhileNotCaptured() throws SQLException {
		TestDatabases.changeWhileNotCaptured(this.dataSource);
	}

	void execute(String sql) throws SQLException {
		TestDatabases.execute(this.dataSource, sql);
	}

	List<String> labels() throws SQLException {
		return labels(this.dataSource);
	}

	List<String> dump() throws SQLException {
		return dump(this.dataSource);
	}

	String integrityCheck() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			return TestDatabases.queryText(connection, "PRAGMA integrity_check");
		}
	}

	static void insert(DataSource dataSource, String label, int paddingBytes) throws SQLException {
		try (Connection connection = dataSource.getConnection();
				PreparedStatement insert = connection
					.prepareStatement("INSERT INTO item (label, padding) VALUES (?, randomblob(?))")) {
			insert.setString(1, label);
			insert.setInt(2, paddingBytes);
			insert.executeUpdate();
		}
	}

	static List<String> labels(DataSource dataSource) throws SQLException {
		List<String> labels = new ArrayList<>();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT label FROM item ORDER BY id")) {
			while (rows.next()) {
				labels.add(rows.getString(1));
			}
		}
		return labels;
	}

	/** Every row of every table, with its content hashed, in a fixed order: equal dumps mean equal data. */
	static List<String> dump(DataSource dataSource) throws SQLException {
		List<String> dump = new ArrayList<>();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			try (ResultSet rows = statement.executeQuery("SELECT type, name, sql FROM sqlite_schema ORDER BY name")) {
				while (rows.next()) {
					dump.add(rows.getString(1) + " " + rows.getString(2) + " " + rows.getString(3));
				}
			}
			try (ResultSet rows = statement.executeQuery("SELECT id, label, hex(padding) FROM item ORDER BY id")) {
				while (rows.next()) {
					dump.add(rows.getLong(1) + " " + rows.getString(2) + " " + rows.getString(3));
				}
			}
		}
		return dump;
	}

	@Override
	public void close() {
		try {
			this.template.stopCapture("app");
		}
		catch (SqliteBackupException ex) {
			// A test that made the last pass fail has asserted what it wanted.
		}
		finally {
			TestDatabases.close(this.dataSource);
		}
	}

}
