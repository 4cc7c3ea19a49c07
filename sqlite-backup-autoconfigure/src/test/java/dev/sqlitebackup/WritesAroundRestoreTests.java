package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No acknowledged write disappears around a restore: a transaction that committed before the
 * restore took the database is in its safety backup, and one that committed after it is in the
 * restored database. Writers run in the application's pool and in another process throughout.
 * <p>
 * In rollback-journal mode a restore needs one moment in which no transaction is open, so there
 * the writers pause 10 ms between transactions; writers committing back to back with no pause at
 * all can keep it out until its busy timeout, after which it fails and changes nothing.
 */
class WritesAroundRestoreTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void everyAcknowledgedWriteIsInTheSafetyBackupOrTheRestoredDatabase(Mode mode) throws Exception {
		Path file = this.temp.resolve("app.db");
		this.dataSource = TestDatabases.hikari(file, mode);
		TestDatabases.createAccounts(this.dataSource, 4_000);
		TestDatabases.execute(this.dataSource, "CREATE TABLE ack (writer TEXT NOT NULL, seq INTEGER NOT NULL)");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				// What is asserted is that nothing acknowledged is lost, not how fast the restore gets the
				// database: on a busy disk the writers' fsyncs hold their locks longer, so allow it time.
				BackupOptions.defaults().withBusyTimeout(Duration.ofSeconds(30)));
		Backup backup = template.backup("app");
		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		AtomicBoolean running = new AtomicBoolean(true);
		long pauseMillis = (mode == Mode.WAL) ? 0 : 10;
		Thread inProcess = new Thread(() -> writeUntilStopped(running, acknowledged, pauseMillis));
		Process child = CrashTests.startChild(AckWriterChild.class,
				List.of(file.toString(), "child", Long.toString(pauseMillis)), "READY");
		Thread childReader = new Thread(() -> readAcknowledgements(child, acknowledged));
		inProcess.start();
		childReader.start();
		try {
			Thread.sleep(300);
			RestoreResult first = template.restore("app", backup.id());
			Thread.sleep(200);
			RestoreResult second = template.restore("app", backup.id());
			Thread.sleep(200);
			running.set(false);
			inProcess.join();
			child.getOutputStream().close();
			child.waitFor();
			childReader.join();
			Set<String> kept = new HashSet<>(rows(file));
			kept.addAll(rows(safetyFile(template, first)));
			kept.addAll(rows(safetyFile(template, second)));
			assertThat(acknowledged).hasSizeGreaterThan(20)
				.anyMatch((ack) -> ack.startsWith("child:"))
				.anyMatch((ack) -> ack.startsWith("pool:"));
			assertThat(kept).containsAll(acknowledged);
		}
		finally {
			running.set(false);
			child.destroyForcibly();
		}
	}

	@ParameterizedTest
	@EnumSource(Mode.class)
	void aTransactionOpenWhenTheRestoreStartsCommitsAndLandsInTheSafetyBackup(Mode mode) throws Exception {
		Path file = this.temp.resolve("app.db");
		this.dataSource = TestDatabases.hikari(file, mode);
		TestDatabases.execute(this.dataSource, "CREATE TABLE ack (writer TEXT NOT NULL, seq INTEGER NOT NULL)");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withBusyTimeout(Duration.ofSeconds(10)));
		Backup backup = template.backup("app");
		try (Connection writer = TestDatabases.open(file); Statement statement = writer.createStatement()) {
			statement.execute("PRAGMA busy_timeout = 5000");
			statement.execute("BEGIN IMMEDIATE");
			statement.execute("INSERT INTO ack (writer, seq) VALUES ('open', 1)");
			CompletableFuture<RestoreResult> restore = CompletableFuture
				.supplyAsync(() -> template.restore("app", backup.id()));
			Thread.sleep(300);
			long started = System.nanoTime();
			statement.execute("COMMIT");
			// The restore waits for the commit; the commit does not wait for the restore.
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
			RestoreResult result = restore.get(20, TimeUnit.SECONDS);
			assertThat(rows(safetyFile(template, result))).containsExactly("open:1");
			assertThat(rows(file)).isEmpty();
		}
	}

	private void writeUntilStopped(AtomicBoolean running, Set<String> acknowledged, long pauseMillis) {
		long seq = 0;
		while (running.get()) {
			seq++;
			try (Connection connection = this.dataSource.getConnection();
					PreparedStatement insert = connection.prepareStatement("INSERT INTO ack (writer, seq) VALUES ('pool', ?)")) {
				insert.setLong(1, seq);
				insert.executeUpdate();
				acknowledged.add("pool:" + seq);
			}
			catch (SQLException ex) {
				// Not acknowledged: a busy timeout while the restore holds the database.
			}
			pause(pauseMillis);
		}
	}

	private static void pause(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void readAcknowledgements(Process child, Set<String> acknowledged) {
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				if (line.startsWith("ACK ")) {
					acknowledged.add("child:" + line.substring(4));
				}
			}
		}
		catch (Exception ex) {
			// The child was stopped.
		}
	}

	private Path safetyFile(SqliteBackupTemplate template, RestoreResult result) {
		assertThat(result.safetyBackupId()).isNotNull();
		Path safety = this.temp.resolve("backups/app/" + result.safetyBackupId() + ".sqlite");
		assertThat(safety).exists();
		assertThat(template.verify("app", result.safetyBackupId()).valid()).isTrue();
		return safety;
	}

	private static List<String> rows(Path database) throws SQLException {
		List<String> rows = new java.util.ArrayList<>();
		try (Connection connection = TestDatabases.open(database);
				Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT writer, seq FROM ack")) {
			while (result.next()) {
				rows.add(result.getString(1) + ":" + result.getLong(2));
			}
		}
		return rows;
	}

}
