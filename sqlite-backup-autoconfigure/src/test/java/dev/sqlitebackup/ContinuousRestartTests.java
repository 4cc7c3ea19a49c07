package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A chain survives a restart of the capturing process when continuity can be proven: a graceful
 * stop that closed it cleanly on a file nobody wrote since, or a {@code kill -9} that left its WAL
 * going on from the last frame shipped. Anything else starts a new chain, saying why.
 */
class ContinuousRestartTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	@AfterEach
	void close() {
		if (this.template != null) {
			this.template.stopCapture("app");
		}
		TestDatabases.close(this.dataSource);
	}

	@Test
	void aGracefulRestartGoesOnWithTheSameChainWithoutANewSnapshot() throws Exception {
		String chain = runAndStopGracefully();
		int backups = this.template.list("app").size();
		this.template = null;
		assertThat(this.temp.resolve("app.db-wal")).as("SQLite deleted the WAL when the last connection closed")
			.doesNotExist();

		open();
		CaptureResult first = this.template.capture("app");
		CapturedItems.insert(this.dataSource, "after the restart", 500);
		CaptureResult second = this.template.capture("app");

		assertThat(first.chainId()).isEqualTo(chain);
		assertThat(first.newChainReason()).isNull();
		assertThat(second.chainId()).isEqualTo(chain);
		assertThat(this.template.list("app")).hasSize(backups);
		RestoreWindow window = this.template.restoreWindow("app").orElseThrow();
		assertThat(window.gaps()).isEmpty();
		assertThat(window.chains()).hasSize(1);
		assertThat(restoredLatest().equals(CapturedItems.dump(this.dataSource))).as("restored rows equal the live ones")
			.isTrue();
	}

	@Test
	void writesMadeBeforeTheFirstPassAfterAGracefulRestartAreShippedIntoTheSameChainAfterAGap() throws Exception {
		String chain = runAndStopGracefully();
		this.template = null;

		open();
		CapturedItems.insert(this.dataSource, "a migration before the first pass", 500);
		CaptureResult first = this.template.capture("app");

		assertThat(first.chainId()).isEqualTo(chain);
		assertThat(first.frames()).isPositive();
		// Committed while no capture ran, at an instant nobody recorded.
		assertThat(this.template.restoreWindow("app").orElseThrow().gaps()).singleElement()
			.satisfies((gap) -> assertThat(gap.reason()).contains("commits made while no capture ran"));
		assertThat(restoredLatest().equals(CapturedItems.dump(this.dataSource))).as("restored rows equal the live ones")
			.isTrue();
		assertThat(CapturedItems.labels(this.dataSource)).contains("a migration before the first pass");
	}

	@Test
	void aDatabaseWrittenWhileNoCaptureRanStartsANewChainSayingWhy() throws Exception {
		String chain = runAndStopGracefully();
		this.template = null;
		try (Connection connection = TestDatabases.open(this.temp.resolve("app.db"));
				Statement statement = connection.createStatement()) {
			statement.execute("INSERT INTO item (label, padding) VALUES ('written while no capture ran', x'00')");
		}

		open();
		CaptureResult first = this.template.capture("app");

		assertThat(first.chainId()).isNotEqualTo(chain);
		assertThat(first.newChainReason()).contains("cannot be continued")
			.contains("the database file changed since the chain was closed");
	}

	@Test
	void aCaptureKilledWithItsWalIntactGoesOnWithTheSameChainAndRecordsTheGap() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		DataSource setup = TestDatabases.plain(file, Mode.WAL);
		TestDatabases.execute(setup, "CREATE TABLE item (seq INTEGER PRIMARY KEY, padding BLOB)");
		Process child = CrashTests.startChild(ContinuousCaptureChild.class, List.of(file.toString(), backups.toString()),
				"READY");
		BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
		long captured = 0;
		String line;
		while (captured < 200 && (line = output.readLine()) != null) {
			if (line.startsWith("CAPTURED ")) {
				captured = Long.parseLong(line.substring(9));
			}
		}
		child.destroyForcibly();
		child.waitFor();
		Map<String, ChainHead> heads = new LocalDirectoryBackupStore(backups).listChainHeads("app");
		assertThat(heads).hasSize(1);
		assertThat(file.resolveSibling("app.db-wal")).isNotEmptyFile();

		// A pool, as an application has: the first connection it opens keeps the WAL from being
		// checkpointed away when a connection closes.
		DataSource pool = TestDatabases.hikari(file, Mode.WAL);
		this.dataSource = pool;
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", pool)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		CaptureResult resumed = this.template.capture("app");
		long committed;
		try (Connection connection = pool.getConnection()) {
			committed = TestDatabases.queryLong(connection, "SELECT count(*) FROM item");
		}
		Path restoredFile = this.temp.resolve("restored.db");
		this.template.restoreToFile("app", null, restoredFile);

		assertThat(resumed.chainId()).isEqualTo(heads.keySet().iterator().next());
		assertThat(resumed.newChainReason()).isNull();
		assertThat(committed).isGreaterThanOrEqualTo(captured);
		DataSource restored = TestDatabases.plain(restoredFile, Mode.DELETE);
		try (Connection connection = restored.getConnection()) {
			assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM item")).isEqualTo(committed);
			assertThat(TestDatabases.queryLong(connection, "SELECT max(seq) FROM item")).isEqualTo(committed);
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
		RestoreWindow window = this.template.restoreWindow("app").orElseThrow();
		assertThat(window.chains()).hasSize(1);
		if (resumed.frames() > 0) {
			assertThat(window.gaps()).singleElement()
				.satisfies((gap) -> assertThat(gap.reason()).contains("commits made while no capture ran"));
		}
	}

	@Test
	void aCaptureKilledAfterGoingOnWithAClosedChainButBeforeShippingGoesOnWithItAgain() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		DataSource setup = TestDatabases.hikari(file, Mode.WAL);
		TestDatabases.execute(setup, "CREATE TABLE item (seq INTEGER PRIMARY KEY, padding BLOB)");
		SqliteBackupTemplate first = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", setup)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		String chain = first.capture("app").chainId();
		TestDatabases.execute(setup, "INSERT INTO item (seq, padding) VALUES (1, x'00')");
		first.stopCapture("app");
		TestDatabases.close(setup);
		// The child goes on with the closed chain, commits rows and dies before any pass ships them.
		Process child = CrashTests.startChild(ContinuousCaptureChild.class,
				List.of(file.toString(), backups.toString(), "0"), "READY");
		BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
		long committed = 0;
		String line;
		while (committed < 30 && (line = output.readLine()) != null) {
			if (line.startsWith("COMMITTED ")) {
				committed = Long.parseLong(line.substring(10));
			}
		}
		child.destroyForcibly();
		child.waitFor();

		this.dataSource = TestDatabases.hikari(file, Mode.WAL);
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		CaptureResult resumed = this.template.capture("app");
		long live;
		try (Connection connection = this.dataSource.getConnection()) {
			live = TestDatabases.queryLong(connection, "SELECT count(*) FROM item");
		}
		Path restoredFile = this.temp.resolve("restored.db");
		this.template.restoreToFile("app", null, restoredFile);

		assertThat(resumed.chainId()).isEqualTo(chain);
		assertThat(live).isGreaterThanOrEqualTo(committed);
		DataSource restored = TestDatabases.plain(restoredFile, Mode.DELETE);
		try (Connection connection = restored.getConnection()) {
			assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM item")).isEqualTo(live);
			assertThat(TestDatabases.queryLong(connection, "SELECT max(seq) FROM item")).isEqualTo(live);
		}
	}

	/** Runs a capture with a few writes, stops it and closes the database; answers the chain's id. */
	private String runAndStopGracefully() throws Exception {
		open();
		TestDatabases.execute(this.dataSource,
				"CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
		String chain = this.template.capture("app").chainId();
		for (int i = 0; i < 30; i++) {
			CapturedItems.insert(this.dataSource, "row " + i, 1000);
			if (i % 10 == 9) {
				this.template.capture("app");
			}
		}
		CapturedItems.insert(this.dataSource, "just before the stop", 1000);
		this.template.stopCapture("app");
		TestDatabases.close(this.dataSource);
		this.dataSource = null;
		assertThat(Files.exists(this.temp.resolve("app.db"))).isTrue();
		return chain;
	}

	/** Every row of the latest state the store can build, from a file of its own. */
	private List<String> restoredLatest() throws Exception {
		Path file = this.temp.resolve("restored-" + System.nanoTime() + ".db");
		this.template.restoreToFile("app", null, file);
		DataSource restored = TestDatabases.plain(file, Mode.DELETE);
		return CapturedItems.dump(restored);
	}

	private void open() {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withSafetyBackup(false));
	}

}
