package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Compaction merges a chain's segments into blocks and thins out what blocks cover: a restore
 * reads a bounded number of objects, every point of the recent past stays restorable, older
 * points restore to the last point kept before them, and no crash, lost or tampered block gives a
 * restore that reports success with the wrong state.
 */
class ContinuousCompactionTests {

	/** Blocks of 4 and 16 segments; segments stay 30 s, 4-segment blocks 2 minutes. */
	static final CompactionLevels SMALL = new CompactionLevels(
			List.of(new CompactionLevels.Level(4, Duration.ofMinutes(2)), new CompactionLevels.Level(16, null)),
			Duration.ofSeconds(30));

	/** Blocks of 2, 4 and 8 segments, everything thinned as soon as it is covered: work in every pass. */
	static final CompactionLevels EVERY_PASS = new CompactionLevels(List.of(
			new CompactionLevels.Level(2, Duration.ZERO), new CompactionLevels.Level(4, Duration.ZERO),
			new CompactionLevels.Level(8, null)), Duration.ZERO);

	@TempDir
	Path temp;

	private CapturedItems items(CompactionLevels levels) throws Exception {
		return new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false).withCompaction(levels));
	}

	@Test
	void aLatestRestoreReadsBlocksInsteadOfEverySegment() throws Exception {
		try (CapturedItems items = items(SMALL)) {
			items.capture();
			for (int pass = 0; pass < 70; pass++) {
				items.insert("row " + pass, 300);
				items.execute("UPDATE item SET label = label || '+' WHERE id % 3 = 0");
				items.capture();
			}

			PointInTimeResult result = restoredLatest(items);

			assertThat(dumpOf(this.temp.resolve("latest.db"))).isEqualTo(items.dump());
			// 70 segments after the anchor: four 16-segment blocks, one or two of 4, and the last few segments.
			assertThat(result.segments()).isLessThan(12);
			assertThat(items.segments().stream().filter(Segment::isCompacted)).isNotEmpty();
		}
	}

	@Test
	void everyPointOfTheRecentPastRestoresExactlyAndOlderOnesToTheLastPointKeptBefore() throws Exception {
		try (CapturedItems items = items(SMALL)) {
			items.capture();
			Map<Instant, List<String>> states = new TreeMap<>();
			states.put(items.clock.instant(), items.dump());
			for (int pass = 0; pass < 90; pass++) {
				items.insert("row " + pass, 200);
				items.execute("UPDATE item SET label = label || '+' WHERE id % 4 = " + (pass % 4));
				CaptureResult result = items.capture();
				assertThat(result.frames()).isPositive();
				states.put(items.clock.instant(), items.dump());
			}
			Instant now = items.clock.instant();
			assertThat(items.segments().stream().filter((segment) -> !segment.isCompacted() && !segment.isSnapshot()
					&& segment.capturedAt().isBefore(now.minusSeconds(30 + 15 + 4))))
				.as("segments older than they are kept, covered by blocks, are thinned out")
				.isEmpty();

			int index = 0;
			for (Map.Entry<Instant, List<String>> state : states.entrySet()) {
				if (index++ % 7 != 0 && state.getKey().isBefore(now.minusSeconds(28))) {
					continue;
				}
				Path file = this.temp.resolve("at-" + index + ".db");
				PointInTimeResult restored = items.template.restoreToFile("app", state.getKey(), file);
				List<String> dump = dumpOf(file);
				if (state.getKey().isAfter(now.minusSeconds(28))) {
					assertThat(restored.restoredTo()).isEqualTo(state.getKey());
					assertThat(dump).as("state at %s", state.getKey()).isEqualTo(state.getValue());
				}
				else {
					assertThat(restored.restoredTo()).isBeforeOrEqualTo(state.getKey())
						.isAfter(state.getKey().minusSeconds(4));
					assertThat(dump).as("state at %s", restored.restoredTo()).isEqualTo(states.get(restored.restoredTo()));
				}
			}
		}
	}

	@Test
	void thinningKeepsTheNumberOfObjectsBounded() throws Exception {
		try (CapturedItems items = items(SMALL)) {
			items.capture();
			for (int pass = 0; pass < 200; pass++) {
				items.insert("row " + pass, 100);
				items.capture();
				if (pass == 100) {
					items.clock.advance(Duration.ofMinutes(10));
				}
			}

			List<Segment> stored = items.segments();
			long segments = stored.stream().filter((segment) -> !segment.isCompacted()).count();
			long smallBlocks = stored.stream().filter((segment) -> segment.level() == 1).count();
			// Segments of the last 30 s, of the 15 s between two thinnings and of a block not yet
			// built, and the anchor; 4-segment blocks of the last two minutes (the ones before the
			// clock jumped are gone); every 16-segment block.
			assertThat(segments).isLessThanOrEqualTo(30 + 15 + 4 + 1);
			assertThat(smallBlocks).isLessThanOrEqualTo(100 / 4 + 4);
			assertThat(stored.stream().filter((segment) -> segment.level() == 2)).hasSizeGreaterThanOrEqualTo(11);
			assertThat(restoredLatestDump(items)).isEqualTo(items.dump());
		}
	}

	@Test
	void passesGoOnShippingWhileABlockIsBuiltOnItsOwnThread() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger blocksHeld = new AtomicInteger();
		LocalDirectoryBackupStore local = new LocalDirectoryBackupStore(this.temp.resolve("backups"));
		BackupStore slowBlocks = (BackupStore) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { BackupStore.class }, (proxy, method, args) -> {
					if (method.getName().equals("publishSegment") && ((Segment) args[1]).isCompacted()) {
						blocksHeld.incrementAndGet();
						// Were the block built on the pass's thread, the passes below could not run meanwhile.
						if (!release.await(30, TimeUnit.SECONDS)) {
							throw new java.io.IOException("the block was held while no pass ran");
						}
					}
					try {
						return method.invoke(local, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
		DataSource dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.execute(dataSource, "CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
		RetentionTests.MutableClock clock = new RetentionTests.MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				slowBlocks, BackupOptions.defaults().withSafetyBackup(false).withCompaction(SMALL), clock);
		try {
			int pass = 0;
			while (blocksHeld.get() == 0 && pass < 20) {
				CapturedItems.insert(dataSource, "row " + pass++, 100);
				clock.advance(Duration.ofSeconds(1));
				template.capture("app");
				Thread.sleep(20);
			}
			assertThat(blocksHeld).as("a block being published").hasValue(1);

			for (int more = 0; more < 10; more++) {
				CapturedItems.insert(dataSource, "while the block waits " + more, 100);
				clock.advance(Duration.ofSeconds(1));
				assertThat(template.capture("app").frames()).as("frames shipped while the block waits").isPositive();
			}
			assertThat(blocksHeld).as("one block at a time").hasValue(1);
			release.countDown();
			TestDatabases.awaitCompaction(template, "app");
			clock.advance(Duration.ofSeconds(1));
			template.capture("app");

			assertThat(local.listSegments("app")).anyMatch((segment) -> segment.level() == 1);
			Path restored = this.temp.resolve("latest.db");
			template.restoreToFile("app", null, restored);
			assertThat(dumpOf(restored)).isEqualTo(CapturedItems.dump(dataSource));
		}
		finally {
			release.countDown();
			template.stopCapture("app");
			TestDatabases.close(dataSource);
		}
	}

	@Test
	void aBlockTheStoreLostIsReadFromTheLevelBelow() throws Exception {
		try (CapturedItems items = items(SMALL)) {
			items.capture();
			for (int pass = 0; pass < 40; pass++) {
				items.insert("row " + pass, 300);
				items.capture();
			}
			Segment lost = items.segments().stream().filter((segment) -> segment.level() == 2).findFirst().orElseThrow();
			new LocalDirectoryBackupStore(items.backups()).deleteSegment(lost);

			assertThat(restoredLatestDump(items)).isEqualTo(items.dump());
		}
	}

	@Test
	void aTamperedBlockIsRefusedAndNothingIsRestored() throws Exception {
		try (CapturedItems items = items(SMALL)) {
			items.capture();
			for (int pass = 0; pass < 40; pass++) {
				items.insert("row " + pass, 300);
				items.capture();
			}
			Segment block = items.segments().stream().filter((segment) -> segment.level() == 2).findFirst().orElseThrow();
			flipAByteOf(block, items.backups());
			Path target = this.temp.resolve("tampered.db");

			assertThatExceptionOfType(BackupVerificationException.class)
				.isThrownBy(() -> items.template.restoreToFile("app", null, target))
				.withMessageContaining(block.id());
			assertThat(target).doesNotExist();
		}
	}

	@Test
	void aCaptureKilledWhileItCompactsLeavesAStoreThatRestoresEveryRowItShipped() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		DataSource setup = TestDatabases.plain(file, Mode.WAL);
		TestDatabases.execute(setup, "CREATE TABLE item (seq INTEGER PRIMARY KEY, padding BLOB)");
		for (int round = 1; round <= 3; round++) {
			long shipped = runChildAndKill(file, backups, 30L * round + 7 * round);

			DataSource dataSource = TestDatabases.hikari(file, Mode.WAL);
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
					new LocalDirectoryBackupStore(backups),
					BackupOptions.defaults().withSafetyBackup(false).withCompaction(EVERY_PASS));
			try {
				Path restored = this.temp.resolve("round-" + round + ".db");
				template.restoreToFile("app", null, restored);
				try (java.sql.Connection connection = TestDatabases.open(restored);
						java.sql.Statement statement = connection.createStatement()) {
					assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
					long max = TestDatabases.queryLong(connection, "SELECT max(seq) FROM item");
					assertThat(max).as("round %s", round).isGreaterThanOrEqualTo(shipped);
					assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM item")).isEqualTo(max);
				}
				assertThat(Files.list(backups.resolve("app").resolve("segments")).map(Path::toString)
					.anyMatch((name) -> name.contains("-level-"))).isTrue();
			}
			finally {
				template.stopCapture("app");
				TestDatabases.close(dataSource);
			}
		}
	}

	private static long runChildAndKill(Path file, Path backups, long rows) throws Exception {
		Process child = CrashTests.startChild(ContinuousCaptureChild.class,
				List.of(file.toString(), backups.toString(), "1", "compact"), "READY");
		try {
			BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
			long captured = 0;
			long first = -1;
			String line;
			while ((line = output.readLine()) != null) {
				if (line.startsWith("CAPTURED ")) {
					captured = Long.parseLong(line.substring(9));
					first = (first < 0) ? captured : first;
					if (captured - first >= rows) {
						break;
					}
				}
			}
			return captured;
		}
		finally {
			child.destroyForcibly().waitFor();
		}
	}

	private PointInTimeResult restoredLatest(CapturedItems items) {
		return items.template.restoreToFile("app", null, this.temp.resolve("latest.db"));
	}

	private List<String> restoredLatestDump(CapturedItems items) throws Exception {
		Path file = this.temp.resolve("latest-" + System.nanoTime() + ".db");
		items.template.restoreToFile("app", null, file);
		return dumpOf(file);
	}

	private static List<String> dumpOf(Path file) throws Exception {
		DataSource restored = TestDatabases.plain(file, Mode.DELETE);
		return CapturedItems.dump(restored);
	}

	private static void flipAByteOf(Segment segment, Path backups) throws Exception {
		StoredSegments.flipAFrameByte(backups.resolve("app").resolve("segments").resolve(segment.id() + ".segment"));
	}

}
