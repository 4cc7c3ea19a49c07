package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.engine.ContentDigest;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A process running a backup or a restore is killed with SIGKILL at points spread over every
 * phase. Afterwards the live database is intact and holds exactly one whole state, nothing
 * partial is listed, leftovers do not accumulate, and the next backup succeeds.
 */
class CrashTests {

	private static final int PADDING = 150_000;

	@TempDir
	Path temp;

	static Stream<KillPoint> backupKillPoints() {
		return Stream.of(KillPoint.pausedAt("BACKUP-START"), KillPoint.pausedAt("BACKUP-35"),
				KillPoint.pausedAt("BACKUP-70"), KillPoint.pausedAt("BACKUP-100"), KillPoint.after("BACKUP-100", 5),
				KillPoint.after("BACKUP-100", 30), KillPoint.after("BACKUP-100", 80), KillPoint.pausedAt("PUBLISH"),
				KillPoint.after("PUBLISH", 1), KillPoint.after("PUBLISH", 3), KillPoint.pausedAt("PUBLISHED"),
				KillPoint.pausedAt("BACKUP-COMPLETED"));
	}

	static Stream<KillPoint> restoreKillPoints() {
		List<KillPoint> points = new ArrayList<>();
		for (Mode mode : Mode.values()) {
			points.addAll(List.of(KillPoint.pausedAt("SAFETY-50").in(mode), KillPoint.pausedAt("PUBLISH").in(mode),
					KillPoint.pausedAt("RESTORE-START").in(mode), KillPoint.pausedAt("RESTORE-35").in(mode),
					KillPoint.pausedAt("RESTORE-70").in(mode), KillPoint.pausedAt("RESTORE-100").in(mode),
					KillPoint.after("RESTORE-START", 2).in(mode), KillPoint.after("RESTORE-START", 10).in(mode),
					KillPoint.after("RESTORE-START", 40).in(mode), KillPoint.pausedAt("RESTORE-COMPLETED").in(mode)));
		}
		return points.stream();
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("backupKillPoints")
	void backupKilledAtAnyPointLeavesNothingPartialAndTheNextBackupSucceeds(KillPoint point) throws Exception {
		Path database = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		String before = createDatabase(database, point.mode());
		killChildAt(point, "backup", database, backups, "-");
		assertLiveDatabaseIsIntactAndIsOneOf(database, point.mode(), before);
		assertStoreIsCleanAndNextBackupSucceeds(database, point.mode(), backups);
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("restoreKillPoints")
	void restoreKilledAtAnyPointLeavesEitherTheOldOrTheRestoredState(KillPoint point) throws Exception {
		Path database = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		createDatabase(database, point.mode());
		DataSource dataSource = TestDatabases.plain(database, point.mode());
		SqliteBackupTemplate template = template(dataSource, backups);
		Backup backup = template.backup("app");
		String restored;
		try (Connection connection = TestDatabases.open(backups.resolve("app/" + backup.id() + ".sqlite"))) {
			restored = ContentDigest.of(connection);
		}
		TestDatabases.execute(dataSource, "UPDATE account SET balance = balance + 1 WHERE id % 2 = 0");
		TestDatabases.execute(dataSource, "DELETE FROM account WHERE id > 150");
		String old = digest(database);
		assertThat(old).isNotEqualTo(restored);
		killChildAt(point, "restore", database, backups, backup.id());
		assertLiveDatabaseIsIntactAndIsOneOf(database, point.mode(), old, restored);
		assertStoreIsCleanAndNextBackupSucceeds(database, point.mode(), backups);
	}

	private String createDatabase(Path database, Mode mode) throws Exception {
		DataSource dataSource = TestDatabases.plain(database, mode);
		TestDatabases.createAccounts(dataSource, PADDING);
		return digest(database);
	}

	private void killChildAt(KillPoint point, String action, Path database, Path backups, String backupId)
			throws Exception {
		killChild(CrashChild.class, List.of(action, database.toString(), point.mode().name(), backups.toString(),
				point.paused() ? point.marker() : "-", backupId), point.marker(), point.paused(), point.delayMillis());
	}

	/**
	 * Starts a child JVM on the test class path, waits until it prints {@code PAUSED <marker>} (when
	 * paused) or {@code MARK <marker>}, lets it run on for the delay, then kills it with SIGKILL.
	 */
	static void killChild(Class<?> main, List<String> arguments, String marker, boolean paused, long delayMillis)
			throws Exception {
		Process child = startChild(main, arguments, (paused ? "PAUSED " : "MARK ") + marker);
		try {
			if (!paused) {
				Thread.sleep(delayMillis);
			}
		}
		finally {
			child.destroyForcibly();
			child.waitFor();
		}
	}

	/** Starts a child JVM on the test class path and returns once it has printed the line. */
	static Process startChild(Class<?> main, List<String> arguments, String line) throws Exception {
		return startChild(main, arguments, line, "256m");
	}

	/** Starts a JVM running {@code main} with at most {@code maxHeap} of heap, once it printed {@code line}. */
	static Process startChild(Class<?> main, List<String> arguments, String line, String maxHeap) throws Exception {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx" + maxHeap, "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
		if (Runtime.version().feature() >= 22) {
			command.add("--enable-native-access=ALL-UNNAMED");
		}
		command.add(main.getName());
		command.addAll(arguments);
		Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			assertTimeoutPreemptively(Duration.ofSeconds(60), () -> waitForLine(child, line));
			return child;
		}
		catch (Throwable ex) {
			child.destroyForcibly();
			child.waitFor();
			throw ex;
		}
	}

	private static void waitForLine(Process child, String expected) throws IOException {
		BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
		List<String> seen = new ArrayList<>();
		String line;
		while ((line = output.readLine()) != null) {
			seen.add(line);
			if (line.equals(expected)) {
				return;
			}
		}
		throw new AssertionError("Child ended without reaching " + expected + ":\n" + String.join("\n", seen));
	}

	private void assertLiveDatabaseIsIntactAndIsOneOf(Path database, Mode mode, String... states) throws Exception {
		try (Connection connection = TestDatabases.open(database)) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
			assertThat(TestDatabases.queryText(connection, "PRAGMA journal_mode")).isEqualToIgnoringCase(mode.name());
			assertThat(ContentDigest.of(connection)).isIn((Object[]) states);
		}
	}

	private void assertStoreIsCleanAndNextBackupSucceeds(Path database, Mode mode, Path backups) throws Exception {
		SqliteBackupTemplate template = template(TestDatabases.plain(database, mode), backups);
		template.cleanUp();
		List<Backup> listed = template.list("app");
		for (Backup backup : listed) {
			assertThat(template.verify("app", backup.id()).problems()).as("problems of " + backup.id()).isEmpty();
		}
		List<String> expectedFiles = new ArrayList<>();
		for (Backup backup : listed) {
			expectedFiles.add("app/" + backup.id() + ".sqlite");
			expectedFiles.add("app/" + backup.id() + ".manifest");
		}
		assertThat(NoPartialBackupTests.filesUnder(backups)).containsExactlyInAnyOrderElementsOf(expectedFiles);
		Backup next = template.backup("app");
		assertThat(template.verify("app", next.id()).valid()).isTrue();
		assertThat(Files.list(backups.resolve("app/.staging")).count()).isZero();
	}

	private static String digest(Path database) throws Exception {
		try (Connection connection = TestDatabases.open(database)) {
			return ContentDigest.of(connection);
		}
	}

	private static SqliteBackupTemplate template(DataSource dataSource, Path backups) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
	}

	/** Where to kill the child: paused at a marker, or some milliseconds after it while it runs on. */
	record KillPoint(String marker, boolean paused, long delayMillis, Mode mode) {

		static KillPoint pausedAt(String marker) {
			return new KillPoint(marker, true, 0, Mode.WAL);
		}

		static KillPoint after(String marker, long delayMillis) {
			return new KillPoint(marker, false, delayMillis, Mode.WAL);
		}

		KillPoint in(Mode mode) {
			return new KillPoint(this.marker, this.paused, this.delayMillis, mode);
		}

		@Override
		public String toString() {
			return (this.paused ? "paused at " : this.delayMillis + " ms after ") + this.marker + " (" + this.mode + ")";
		}

	}

}
