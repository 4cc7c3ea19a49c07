package dev.sqlitebackup.cli;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command-line tool on a real backup directory that an application's engine wrote: what it
 * lists, what it restores, what it refuses, and the exit codes a script reads.
 */
class SqliteBackupCliTests {

	@TempDir
	Path temp;

	private SQLiteDataSource live;

	private SqliteBackupTemplate application;

	@BeforeEach
	void runTheApplicationForAWhile() throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		this.live = new SQLiteDataSource(config);
		this.live.setUrl("jdbc:sqlite:" + this.temp.resolve("app.db"));
		execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
		execute("INSERT INTO note (text) VALUES ('in the backup')");
		this.application = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.live)),
				new LocalDirectoryBackupStore(backups()), BackupOptions.defaults().withSafetyBackup(false));
	}

	@AfterEach
	void stopCapture() {
		this.application.stopCapture("app");
	}

	private Path backups() {
		return this.temp.resolve("backups");
	}

	@Test
	void listShowsEachDatabaseWithItsBackupsAndRestoreWindow() throws Exception {
		Backup backup = this.application.backup("app");
		this.application.capture("app");

		Run run = cli("list", "--directory", backups().toString());

		assertThat(run.exit()).isZero();
		assertThat(run.out()).contains("Database app").contains(backup.id()).contains("Restore window:")
			.contains("no gaps");
	}

	@Test
	void listAsJsonNamesTheBackupsAndTheWindow() {
		Backup backup = this.application.backup("app");

		Run run = cli("list", "--directory", backups().toString(), "--json");

		assertThat(run.exit()).isZero();
		assertThat(run.out()).startsWith("{\"store\":").contains("\"name\":\"app\"")
			.contains("\"id\":\"" + backup.id() + "\"")
			.contains("\"window\":null");
	}

	@Test
	void restoreWithoutABackupOrPointBuildsTheLatestCapturedState() throws Exception {
		this.application.capture("app");
		execute("INSERT INTO note (text) VALUES ('captured after the snapshot')");
		this.application.capture("app");
		Path output = this.temp.resolve("restored.db");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--output", output.toString());

		assertThat(run.exit()).as(run.err()).isZero();
		assertThat(notes(output)).containsExactly("in the backup", "captured after the snapshot");
	}

	@Test
	void restoreOfABackupByIdBuildsThatBackup() throws Exception {
		Backup backup = this.application.backup("app");
		execute("INSERT INTO note (text) VALUES ('after the backup')");
		this.application.backup("app");
		Path output = this.temp.resolve("restored.db");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--backup", backup.id(),
				"--output", output.toString());

		assertThat(run.exit()).as(run.err()).isZero();
		assertThat(run.out()).contains(backup.id());
		assertThat(notes(output)).containsExactly("in the backup");
	}

	@Test
	void restoreToAPointInTimeBuildsTheStateCapturedThen() throws Exception {
		this.application.capture("app");
		Thread.sleep(20);
		Instant between = Instant.now();
		Thread.sleep(20);
		execute("INSERT INTO note (text) VALUES ('after the point')");
		this.application.capture("app");
		Path output = this.temp.resolve("restored.db");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--point-in-time",
				between.toString(), "--output", output.toString());

		assertThat(run.exit()).as(run.err()).isZero();
		assertThat(notes(output)).containsExactly("in the backup");
	}

	@Test
	void restoreNeverReplacesAFileAndExitsWithOne() throws Exception {
		this.application.backup("app");
		Path output = this.temp.resolve("precious.db");
		Files.writeString(output, "not to be replaced");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--output", output.toString());

		assertThat(run.exit()).isEqualTo(1);
		assertThat(run.err()).contains("exists");
		assertThat(Files.readString(output)).isEqualTo("not to be replaced");
	}

	@Test
	void restoreOfADamagedBackupExitsWithOneSayingWhyAndCreatesNoFile() throws Exception {
		Backup backup = this.application.backup("app");
		flipAByte(backups().resolve("app").resolve(backup.id() + ".sqlite"));
		Path output = this.temp.resolve("restored.db");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--output", output.toString());

		assertThat(run.exit()).isEqualTo(1);
		assertThat(run.err()).contains(backup.id()).contains("SHA-256");
		assertThat(output).doesNotExist();
	}

	@Test
	void verifyPassesOnIntactBackupsAndExitsWithOneWhenOneIsDamaged() throws Exception {
		Backup first = this.application.backup("app");
		Backup second = this.application.backup("app");
		assertThat(cli("verify", "--directory", backups().toString(), "--database", "app").exit()).isZero();

		flipAByte(backups().resolve("app").resolve(first.id() + ".sqlite"));
		Run run = cli("verify", "--directory", backups().toString(), "--database", "app");

		assertThat(run.exit()).isEqualTo(1);
		assertThat(run.out()).contains("OK      " + second.id()).contains("FAILED  " + first.id());
	}

	@Test
	void anUnknownBackupIdExitsWithOne() {
		this.application.backup("app");

		Run run = cli("restore", "--directory", backups().toString(), "--database", "app", "--backup",
				"20200101T000000000Z-000000", "--output", this.temp.resolve("x.db").toString());

		assertThat(run.exit()).isEqualTo(1);
		assertThat(run.err()).contains("20200101T000000000Z-000000");
	}

	@Test
	void badUsageExitsWithTwo() {
		assertThat(cli("restore", "--directory", backups().toString(), "--database", "app").exit()).isEqualTo(2);
		assertThat(cli("list").exit()).isEqualTo(2);
		assertThat(cli("restore", "--directory", backups().toString(), "--database", "app", "--point-in-time",
				"yesterday", "--output", "x.db").exit()).isEqualTo(2);
	}

	static Run cli(String... args) {
		StringWriter out = new StringWriter();
		StringWriter err = new StringWriter();
		int exit = SqliteBackupCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
		return new Run(exit, out.toString(), err.toString());
	}

	static List<String> notes(Path file) throws SQLException {
		List<String> notes = new ArrayList<>();
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + file);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT text FROM note ORDER BY id")) {
			while (rows.next()) {
				notes.add(rows.getString(1));
			}
		}
		return notes;
	}

	static void flipAByte(Path file) throws Exception {
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
			long middle = bytes.length() / 2;
			bytes.seek(middle);
			int value = bytes.read();
			bytes.seek(middle);
			bytes.write(value ^ 0xFF);
		}
	}

	private void execute(String sql) throws SQLException {
		try (Connection connection = this.live.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	/** What one run of the tool printed and how it exited. */
	record Run(int exit, String out, String err) {
	}

}
