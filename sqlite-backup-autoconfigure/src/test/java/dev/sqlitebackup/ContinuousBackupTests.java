package dev.sqlitebackup;

import java.nio.file.Files;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Continuous backup of a WAL-mode database: capture of committed transactions and restore to a point. */
class ContinuousBackupTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));

	@AfterEach
	void close() {
		if (this.template != null) {
			this.template.stopCapture("app");
		}
		TestDatabases.close(this.dataSource);
	}

	@Test
	void everyCommittedTransactionIsCapturedAndARestoreToLatestEqualsTheLiveDatabase() throws Exception {
		start(Mode.WAL);
		for (int round = 0; round < 5; round++) {
			for (int i = 0; i < 7; i++) {
				insert("round " + round + " row " + i, 300);
			}
			execute("UPDATE item SET label = label || '!' WHERE id % 3 = " + round % 3);
			capture();
		}
		execute("DELETE FROM item WHERE id % 5 = 0");
		capture();
		List<String> live = dump();
		execute("DELETE FROM item");

		PointInTimeResult result = restoreLastCaptured();

		assertThat(dump()).isEqualTo(live);
		assertThat(result.segments()).isEqualTo(6);
		assertThat(integrityCheck()).isEqualTo("ok");
	}

	@Test
	void aDatabaseThatShrinksAndGrowsAgainRestoresToEachCapturedStateExactly() throws Exception {
		start(Mode.WAL);
		for (int i = 0; i < 60; i++) {
			insert("large " + i, 3000);
		}
		capture();
		Instant large = this.clock.instant();
		List<String> largeDump = dump();
		execute("DELETE FROM item WHERE id > 5");
		execute("VACUUM");
		capture();
		Instant shrunk = this.clock.instant();
		List<String> shrunkDump = dump();
		for (int i = 0; i < 20; i++) {
			insert("again " + i, 2000);
		}
		execute("UPDATE item SET label = label || '?' WHERE id < 4");
		capture();
		List<String> grownDump = dump();

		this.template.restore("app", shrunk);
		assertThat(dump()).isEqualTo(shrunkDump);
		assertThat(integrityCheck()).isEqualTo("ok");
		this.template.restore("app", large);
		assertThat(dump()).isEqualTo(largeDump);
		assertThat(integrityCheck()).isEqualTo("ok");
		this.template.restoreToPointInTime("app", shrunk.plusSeconds(1), false);
		assertThat(dump()).isEqualTo(grownDump);
		assertThat(integrityCheck()).isEqualTo("ok");
	}

	@Test
	void aPassWithNoNewCommitsWritesNothing() throws Exception {
		start(Mode.WAL);
		insert("one", 10);
		capture();
		List<Path> before = storedFiles();

		CaptureResult result = capture();

		assertThat(result.frames()).isZero();
		assertThat(storedFiles()).isEqualTo(before);
	}

	@Test
	void restoreToAnInstantHasExactlyTheTransactionsCapturedByThen() throws Exception {
		start(Mode.WAL);
		insert("first", 10);
		capture();
		Instant afterFirst = this.clock.instant();
		insert("second", 10);
		capture();
		Instant afterSecond = this.clock.instant();
		insert("third", 10);
		capture();

		this.template.restore("app", afterSecond);
		assertThat(labels()).containsExactly("first", "second");

		this.template.restore("app", afterFirst.plusMillis(500));
		assertThat(labels()).containsExactly("first");
	}

	@Test
	void anInstantOutsideTheRestoreWindowIsRefusedNamingTheWindow() throws Exception {
		start(Mode.WAL);
		insert("first", 10);
		capture();

		assertThatExceptionOfType(PointInTimeNotCoveredException.class)
			.isThrownBy(() -> this.template.restore("app", Instant.parse("2026-11-28T00:00:00Z")))
			.withMessageContaining("restore window is 2026-11-29T12:");
	}

	@Test
	void checkpointsByTheApplicationsConnectionsLoseNothing() throws Exception {
		start(Mode.WAL);
		for (int round = 0; round < 6; round++) {
			try (Connection connection = this.dataSource.getConnection();
					Statement statement = connection.createStatement()) {
				statement.execute("PRAGMA wal_autocheckpoint=4");
			}
			for (int i = 0; i < 10; i++) {
				insert("round " + round + " row " + i, 6000);
			}
			capture();
		}
		List<String> live = dump();
		execute("DELETE FROM item");

		restoreLastCaptured();

		assertThat(dump()).isEqualTo(live);
	}

	@Test
	void aTruncatingCheckpointByAnotherConnectionLosesNothing() throws Exception {
		start(Mode.WAL);
		List<String> outsiderResults = new ArrayList<>();
		for (int round = 0; round < 4; round++) {
			for (int i = 0; i < 10; i++) {
				insert("round " + round + " row " + i, 3000);
			}
			try (Connection outsider = TestDatabases.open(this.temp.resolve("app.db"));
					Statement statement = outsider.createStatement()) {
				statement.execute("PRAGMA busy_timeout=100");
				ResultSet rows = statement.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)");
				rows.next();
				outsiderResults.add(rows.getInt(1) + "/" + rows.getInt(2) + "/" + rows.getInt(3));
			}
			insert("after checkpoint " + round, 10);
			capture();
		}
		List<String> live = dump();
		execute("DELETE FROM item");

		restoreLastCaptured();

		assertThat(dump()).as("outsider checkpoints %s", outsiderResults).isEqualTo(live);
	}

	@Test
	void theCaptureCheckpointsAGrowingWalAndTheChainContinuesThroughTheRestart() throws Exception {
		start(Mode.WAL);
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			for (int i = 0; i < 1500; i++) {
				statement.execute("INSERT INTO item (label, padding) VALUES ('bulk " + i + "', randomblob(5000))");
			}
			statement.execute("COMMIT");
		}
		CaptureResult bulk = capture();
		insert("after the restart", 10);
		CaptureResult next = capture();
		List<String> live = dump();
		execute("DELETE FROM item");

		restoreLastCaptured();

		assertThat(bulk.checkpointed()).as("%s", bulk).isTrue();
		assertThat(next.startedChain()).isFalse();
		assertThat(Files.size(this.temp.resolve("app.db-wal"))).isLessThan(1000L * 4096);
		assertThat(dump()).isEqualTo(live);
	}

	@Test
	void retentionKeepsTheChainBeingExtendedRestorable() throws Exception {
		start(Mode.WAL);
		insert("in the chain", 10);
		capture();
		this.template.backup("app");
		this.template.backup("app");

		this.template.prune("app", new RetentionPolicy(1, null));
		execute("DELETE FROM item");
		restoreLastCaptured();

		assertThat(labels()).containsExactly("in the chain");
	}

	@Test
	void retentionDeletesTheSegmentsOfAChainWhoseSnapshotIsGone() throws Exception {
		start(Mode.WAL);
		insert("in the first chain", 10);
		capture();
		this.template.stopCapture("app");
		TestDatabases.changeWhileNotCaptured(this.dataSource);
		capture();
		insert("in the second chain", 10);
		capture();
		long firstChainSegments = segmentFiles().stream().filter((file) -> !isOfNewestChain(file)).count();

		this.template.prune("app", new RetentionPolicy(1, null));

		assertThat(firstChainSegments).isPositive();
		assertThat(segmentFiles()).allMatch(this::isOfNewestChain).isNotEmpty();
		execute("DELETE FROM item");
		restoreLastCaptured();
		assertThat(labels()).containsExactly("in the first chain", "in the second chain");
	}

	@Test
	void anOperationThatMeetsACapturePassWaitsForItInsteadOfFailing() throws Exception {
		start(Mode.WAL);
		this.template.stopCapture("app");
		TestDatabases.changeWhileNotCaptured(this.dataSource);
		List<Object> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
		Thread[] manual = new Thread[1];
		this.template.addListener(new BackupListener() {

			@Override
			public void backupCompleted(Backup backup) {
				if (backup.trigger() == BackupTrigger.CONTINUOUS && manual[0] == null) {
					// Still inside the capture pass that starts the chain.
					manual[0] = new Thread(() -> {
						try {
							outcomes.add(ContinuousBackupTests.this.template.backup("app"));
						}
						catch (RuntimeException ex) {
							outcomes.add(ex);
						}
					});
					manual[0].start();
					sleep(200);
				}
			}

		});

		capture();
		manual[0].join();

		assertThat(outcomes).singleElement().isInstanceOf(Backup.class);
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private List<Path> segmentFiles() throws Exception {
		try (var files = Files.list(this.temp.resolve("backups").resolve("app").resolve("segments"))) {
			return files.sorted().toList();
		}
	}

	private boolean isOfNewestChain(Path file) {
		try {
			String newest = segmentFiles().stream()
				.map((each) -> each.getFileName().toString().substring(0, 26))
				.max(String::compareTo)
				.orElseThrow();
			return file.getFileName().toString().startsWith(newest);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void aPassWhoseSegmentCannotBeStoredIsRetriedInTheSameChainAndNothingIsLost() throws Exception {
		start(Mode.WAL);
		insert("before the failure", 10);
		String chain = capture().chainId();
		Path segments = this.temp.resolve("backups").resolve("app").resolve("segments");
		Path aside = this.temp.resolve("segments-aside");
		Files.move(segments, aside);
		Files.writeString(segments, "not a folder");
		insert("during the failure", 10);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(this::capture)
			.withMessageContaining("the next pass tries again");
		Files.delete(segments);
		Files.move(aside, segments);

		CaptureResult next = capture();
		List<String> live = dump();
		execute("DELETE FROM item");
		restoreLastCaptured();

		assertThat(next.startedChain()).isFalse();
		assertThat(next.chainId()).isEqualTo(chain);
		assertThat(dump()).isEqualTo(live).anyMatch((row) -> row.contains("during the failure"));
	}

	@Test
	void whileAPassCannotShipTheLagGrowsFromTheLastPassThatShippedEverything() throws Exception {
		start(Mode.WAL);
		insert("shipped", 10);
		capture();
		Instant shippedAt = this.clock.instant();
		Path segments = this.temp.resolve("backups").resolve("app").resolve("segments");
		Path aside = this.temp.resolve("segments-aside");
		Files.move(segments, aside);
		Files.writeString(segments, "not a folder");
		insert("waiting", 10);
		for (int pass = 0; pass < 3; pass++) {
			this.clock.advance(Duration.ofSeconds(1));
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(this::capture);
		}

		assertThat(this.template.continuousLag("app")).contains(Duration.between(shippedAt, this.clock.instant()));
		Files.delete(segments);
		Files.move(aside, segments);
		capture();
		assertThat(this.template.continuousLag("app")).contains(Duration.ZERO);
	}

	@Test
	void aStoreThatCannotKeepSegmentsIsRefusedBeforeAnythingIsWritten() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
		SqliteBackupTemplate noSegments = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")) {

					@Override
					public boolean keepsSegments(String database) {
						return false;
					}

				}, BackupOptions.defaults());

		assertThatExceptionOfType(ContinuousBackupUnavailableException.class).isThrownBy(() -> noSegments.capture("app"))
			.withMessageContaining("needs a store that keeps segments");
		assertThat(noSegments.list("app")).isEmpty();
	}

	@Test
	void aRollbackJournalDatabaseCannotBeCovered() throws Exception {
		start(Mode.DELETE);

		assertThatExceptionOfType(ContinuousBackupUnavailableException.class).isThrownBy(this::capture)
			.withMessageContaining("continuous.enabled=false");
		this.template = null;
	}

	private void start(Mode mode) throws SQLException {
		start(mode, BackupOptions.defaults().withSafetyBackup(false));
	}

	private void start(Mode mode, BackupOptions options) throws SQLException {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), mode);
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), options, this.clock);
		if (mode == Mode.WAL) {
			capture();
		}
	}

	/**
	 * Restores what the last pass captured. A restore of "latest" would first ship what the test
	 * did to the live database since, which is how these tests damage it.
	 */
	private PointInTimeResult restoreLastCaptured() {
		return this.template.restore("app", this.clock.instant());
	}

	private CaptureResult capture() {
		this.clock.advance(Duration.ofSeconds(1));
		return this.template.capture("app");
	}

	private void insert(String label, int paddingBytes) throws SQLException {
		CapturedItems.insert(this.dataSource, label, paddingBytes);
	}

	private void execute(String sql) throws SQLException {
		TestDatabases.execute(this.dataSource, sql);
	}

	private List<String> labels() throws SQLException {
		return CapturedItems.labels(this.dataSource);
	}

	/** Every row of every table, with its content hashed, in a fixed order: equal dumps mean equal data. */
	private List<String> dump() throws SQLException {
		return CapturedItems.dump(this.dataSource);
	}

	private String integrityCheck() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			return TestDatabases.queryText(connection, "PRAGMA integrity_check");
		}
	}

	private List<Path> storedFiles() throws Exception {
		try (var files = Files.walk(this.temp.resolve("backups"))) {
			return files.filter(Files::isRegularFile).sorted().toList();
		}
	}


	/** Backups taken while the database is captured become later snapshots of its chain. */
	@Nested
	class LaterSnapshots {

		@Test
		void aBackupTakenWhileCapturingBecomesTheSnapshotARestoreToLatestStartsFrom() throws Exception {
			start(Mode.WAL);
			insert("before the backup", 10);
			capture();
			Backup backup = ContinuousBackupTests.this.template.backup("app");
			insert("after the backup", 10);
			capture();
			List<String> live = dump();
			execute("DELETE FROM item");

			PointInTimeResult result = restoreLastCaptured();

			assertThat(result.restore().restoredFrom()).isEqualTo(backup.id());
			assertThat(result.segments()).isEqualTo(1);
			assertThat(dump()).isEqualTo(live);
		}

		@Test
		void aRestoreToAnInstantBeforeALaterSnapshotStartsFromAnEarlierOne() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Instant afterFirst = ContinuousBackupTests.this.clock.instant();
			ContinuousBackupTests.this.clock.advance(Duration.ofSeconds(1));
			Backup later = ContinuousBackupTests.this.template.backup("app");
			insert("second", 10);
			capture();

			PointInTimeResult result = ContinuousBackupTests.this.template.restore("app", afterFirst);

			assertThat(result.restore().restoredFrom()).isNotEqualTo(later.id());
			assertThat(labels()).containsExactly("first");
		}

		@Test
		void writesCommittedWhileSnapshotsAreTakenAreAllRestoredFromTheNewestSnapshot() throws Exception {
			start(Mode.WAL);
			AtomicBoolean writing = new AtomicBoolean(true);
			AtomicInteger written = new AtomicInteger();
			Thread writer = new Thread(() -> {
				while (writing.get()) {
					try {
						insert("row " + written.get(), 200);
						written.incrementAndGet();
					}
					catch (SQLException ex) {
						throw new IllegalStateException(ex);
					}
				}
			});
			writer.start();
			Backup newest = null;
			for (int round = 0; round < 4; round++) {
				sleep(50);
				newest = ContinuousBackupTests.this.template.backup("app");
				sleep(50);
				capture();
			}
			writing.set(false);
			writer.join();
			capture();
			List<String> live = dump();
			execute("DELETE FROM item");

			PointInTimeResult result = restoreLastCaptured();

			assertThat(result.restore().restoredFrom()).isEqualTo(newest.id());
			assertThat(written.get()).isGreaterThan(10);
			assertThat(dump()).isEqualTo(live);
			assertThat(integrityCheck()).isEqualTo("ok");
		}

		@Test
		void aRestoreStartsFromAnEarlierSnapshotWhenTheNewestOnesBackupWasDeleted() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Backup later = ContinuousBackupTests.this.template.backup("app");
			insert("second", 10);
			capture();
			ContinuousBackupTests.this.template.delete("app", later.id());
			execute("DELETE FROM item");

			PointInTimeResult result = restoreLastCaptured();

			assertThat(result.restore().restoredFrom()).isNotEqualTo(later.id());
			assertThat(labels()).containsExactly("first", "second");
		}

		@Test
		void retentionPrunesTheSegmentsBeforeTheOldestRemainingSnapshotAndTheWindowStartsThere() throws Exception {
			start(Mode.WAL);
			insert("a", 10);
			capture();
			ContinuousBackupTests.this.template.backup("app");
			insert("b", 10);
			capture();
			ContinuousBackupTests.this.clock.advance(Duration.ofSeconds(1));
			Backup kept = ContinuousBackupTests.this.template.backup("app");
			Instant keptAt = ContinuousBackupTests.this.clock.instant();
			insert("c", 10);
			capture();
			List<Segment> before = segments();
			ContinuousStatus beforePrune = ContinuousBackupTests.this.template.continuousStatus("app").orElseThrow();

			ContinuousBackupTests.this.template.prune("app", new RetentionPolicy(1, null));

			Segment snapshot = segments().stream().filter(Segment::isSnapshot).findFirst().orElseThrow();
			assertThat(snapshot.baseBackupId()).isEqualTo(kept.id());
			assertThat(segments()).hasSizeLessThan(before.size())
				.allMatch((segment) -> segment.sequence() >= snapshot.sequence());
			assertThat(beforePrune.windowFrom()).isBefore(keptAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
			assertThat(ContinuousBackupTests.this.template.continuousStatus("app").orElseThrow().windowFrom())
				.isEqualTo(keptAt.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
			assertThatExceptionOfType(PointInTimeNotCoveredException.class)
				.isThrownBy(() -> ContinuousBackupTests.this.template.restore("app", keptAt.minusSeconds(1)));
			execute("DELETE FROM item");
			restoreLastCaptured();
			assertThat(labels()).containsExactly("a", "b", "c");
		}

		@Test
		void aBackupThatCannotHoldWritersBackIsTakenPlainAndTheNextPassStartsANewChain() throws Exception {
			start(Mode.WAL, BackupOptions.defaults().withSafetyBackup(false).withBusyTimeout(Duration.ofMillis(300)));
			insert("before", 10);
			capture();
			Backup backup;
			try (Connection writer = ContinuousBackupTests.this.dataSource.getConnection();
					Statement statement = writer.createStatement()) {
				statement.execute("BEGIN IMMEDIATE");
				statement.execute("INSERT INTO item (label) VALUES ('uncommitted')");
				backup = ContinuousBackupTests.this.template.backup("app");
				statement.execute("ROLLBACK");
			}

			CaptureResult next = capture();

			assertThat(ContinuousBackupTests.this.template.list("app")).extracting(Backup::id).contains(backup.id());
			assertThat(segments()).noneMatch((segment) -> backup.id().equals(segment.baseBackupId()));
			assertThat(next.startedChain()).isTrue();
		}

		@Test
		void theRestoreWindowEndsAtTheNewestCaptureEvenAfterItWasLastListed() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Instant firstTo = ContinuousBackupTests.this.template.continuousStatus("app").orElseThrow().windowTo();
			insert("second", 10);
			capture();

			Instant secondTo = ContinuousBackupTests.this.template.continuousStatus("app").orElseThrow().windowTo();

			assertThat(secondTo).isAfter(firstTo).isEqualTo(ContinuousBackupTests.this.clock.instant());
		}

		private List<Segment> segments() {
			return new LocalDirectoryBackupStore(ContinuousBackupTests.this.temp.resolve("backups")).listSegments("app");
		}

	}


	/** A restore to a point into a new file, which leaves the live database alone. */
	@Nested
	class IntoANewFile {

		@Test
		void theFileHoldsTheStateCapturedByTheInstantAndTheLiveDatabaseKeepsItsOwn() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Instant afterFirst = ContinuousBackupTests.this.clock.instant();
			insert("second", 10);
			capture();
			Path file = ContinuousBackupTests.this.temp.resolve("earlier.db");

			PointInTimeResult result = ContinuousBackupTests.this.template.restoreToFile("app", afterFirst, file);

			assertThat(result.restoredTo()).isEqualTo(afterFirst);
			assertThat(labels()).containsExactly("first", "second");
			try (Connection restored = java.sql.DriverManager.getConnection("jdbc:sqlite:file:" + file + "?mode=ro");
					Statement statement = restored.createStatement()) {
				assertThat(TestDatabases.queryText(restored, "PRAGMA integrity_check")).isEqualTo("ok");
				assertThat(TestDatabases.queryText(restored, "PRAGMA journal_mode")).isEqualTo("delete");
				try (ResultSet rows = statement.executeQuery("SELECT label FROM item ORDER BY id")) {
					List<String> labels = new ArrayList<>();
					while (rows.next()) {
						labels.add(rows.getString(1));
					}
					assertThat(labels).containsExactly("first");
				}
			}
		}

		@Test
		void anExistingFileIsNeverReplaced() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Path file = ContinuousBackupTests.this.temp.resolve("taken.db");
			Files.writeString(file, "someone else's");

			assertThatExceptionOfType(RestoreFailedException.class)
				.isThrownBy(() -> ContinuousBackupTests.this.template.restoreToFile("app", null, file))
				.withMessageContaining("the file exists");
			assertThat(Files.readString(file)).isEqualTo("someone else's");
		}

		@Test
		void aFolderThatDoesNotExistFailsAndLeavesNothingBehind() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			Path file = ContinuousBackupTests.this.temp.resolve("missing").resolve("restored.db");

			assertThatExceptionOfType(RestoreFailedException.class)
				.isThrownBy(() -> ContinuousBackupTests.this.template.restoreToFile("app", null, file))
				.withMessageContaining("does not exist");
			assertThat(file.getParent()).doesNotExist();
			try (var staged = Files.list(ContinuousBackupTests.this.temp.resolve("backups").resolve("app").resolve(".staging"))) {
				assertThat(staged).isEmpty();
			}
		}

		@Test
		void theChainGoesOnAfterwards() throws Exception {
			start(Mode.WAL);
			insert("first", 10);
			capture();
			ContinuousBackupTests.this.template.restoreToFile("app", null, ContinuousBackupTests.this.temp.resolve("copy.db"));
			insert("second", 10);

			CaptureResult next = capture();

			assertThat(next.startedChain()).isFalse();
			assertThat(next.frames()).isPositive();
		}

	}

}
