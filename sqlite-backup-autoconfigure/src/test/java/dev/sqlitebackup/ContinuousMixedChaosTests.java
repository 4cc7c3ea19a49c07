package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous backup through everything at once, bounded to about half a minute: a writer in this
 * JVM, a writer process killed with {@code kill -9} again and again (often in the middle of a
 * commit), random checkpoints of every mode, two capturing instances at once (one stands by), the
 * capturing one killed with {@code kill -9} so that the other takes over, a restart whose clock is
 * behind, and at the end segments deleted from a chain's end and a segment changed. Every restore
 * is then either exactly a committed state, with nothing acknowledged inside what it covers
 * missing, or refused with the reason; never a success with the wrong state.
 */
class ContinuousMixedChaosTests {

	private static final long SYNC_MILLIS = 100;

	/**
	 * What a pass may add to the sync interval on a busy machine before a transaction counts as
	 * captured: five capturing JVMs, writers and restores share two cores, and a starved child
	 * once took more than 1.5 s.
	 */
	private static final long SLACK_MILLIS = 3000;

	/** How far behind the clock of the instance that restarts with a wrong clock runs. */
	private static final long CLOCK_BEHIND_MILLIS = 3000;

	@TempDir
	Path temp;

	private HikariDataSource dataSource;

	private final List<Process> children = new ArrayList<>();

	/** Chains whose capture ran with a clock that was not the real one: their instants are its. */
	private final Map<String, Boolean> steppedChains = new ConcurrentHashMap<>();

	private final Map<Long, long[]> acks = new ConcurrentHashMap<>();

	@AfterEach
	void close() throws InterruptedException {
		for (Process child : this.children) {
			child.destroyForcibly();
			child.waitFor();
		}
		TestDatabases.close(this.dataSource);
	}

	@Test
	void everyRestoreIsExactlyACommittedStateOrRefusedWithTheReason() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		this.dataSource = TestDatabases.hikari(file, Mode.WAL);
		ContinuousChaosTests.createSchema(this.dataSource);
		AtomicBoolean writing = new AtomicBoolean(true);
		Thread poolWriter = ContinuousChaosTests.poolWriter(this.dataSource, this.acks, writing);
		Thread outsideWriters = new Thread(() -> killOutsideWritersAgainAndAgain(file, writing));
		Thread checkpointer = new Thread(() -> ContinuousChaosTests.checkpointRandomly(file, writing));
		poolWriter.start();
		outsideWriters.start();
		checkpointer.start();

		Process first = startCapturing(file, backups, 0);
		Process second = startCapturing(file, backups, 0);
		Thread.sleep(2000);
		killNow(first);
		// The second instance takes over; then a restart whose clock is behind stands by for it.
		Process behind = startCapturing(file, backups, -CLOCK_BEHIND_MILLIS);
		Thread.sleep(2000);
		killNow(second);
		Thread.sleep(2000);
		killNow(behind);
		Thread.sleep(300);
		Process last = startCapturing(file, backups, 0);
		Thread.sleep(2000);
		writing.set(false);
		poolWriter.join();
		outsideWriters.join();
		checkpointer.join();
		stopGracefully(last);

		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		List<String> live = ContinuousChaosTests.dumpOf(this.dataSource);
		template.restoreLatest("app");
		assertThat(ContinuousChaosTests.dumpOf(this.dataSource)).as("the latest state at a quiescent point")
			.isEqualTo(live);
		RestoreWindow window = template.restoreWindow("app").orElseThrow();
		window.chains().forEach((chain) -> System.out.println("chaos: " + chain + (this.steppedChains.containsKey(chain.id())
				? " (clock behind)" : "")));
		window.gaps().forEach((gap) -> System.out.println("chaos: " + gap));
		assertThat(window.chains()).hasSizeGreaterThanOrEqualTo(3);
		int restored = restoreRandomInstants(template, window, new Random(7), 6);
		assertThat(restored).as("restores that succeeded before the store was tampered with").isPositive();

		List<Segment> segments = template.getStore().listSegments("app");
		Segment changed = changeAFrameSegmentOfAnEarlierChain(segments, window);
		assertThatRestoreIsRefused(template, changed.capturedAt(), "no longer matches");
		cutTheLatestChainsTail(segments, window);
		assertThatRestoreIsRefused(template, null, "are missing from the store");
		restoreRandomInstants(template, template.restoreWindow("app").orElseThrow(), new Random(11), 6);
		assertThat(this.acks).hasSizeGreaterThan(50);
	}

	/**
	 * Restores random instants of the window: each is either refused, saying why, or holds exactly
	 * what the contract promises.
	 * @return how many succeeded
	 */
	private int restoreRandomInstants(SqliteBackupTemplate template, RestoreWindow window, Random random, int count)
			throws SQLException {
		int succeeded = 0;
		long span = window.to().toEpochMilli() - window.from().toEpochMilli();
		for (int i = 0; i < count; i++) {
			Instant instant = window.from().plusMillis((long) (random.nextDouble() * span));
			PointInTimeResult result;
			try {
				result = template.restoreToPointInTime("app", instant, false);
			}
			catch (PointInTimeNotCoveredException | BackupVerificationException ex) {
				assertThat(ex.getMessage()).as("a refusal says why").isNotBlank();
				System.out.println("chaos: refused " + instant + ": " + ex.getMessage());
				continue;
			}
			succeeded++;
			System.out.println("chaos: restored " + instant + " from chain " + result.chain() + " ("
					+ result.segments() + " segments)");
			RestoreWindow.ChainSummary chain = window.chains().stream()
				.filter((summary) -> summary.id().equals(result.chain()))
				.findFirst()
				.orElseThrow();
			assertHolds(instant, chain, !this.steppedChains.containsKey(result.chain()));
		}
		return succeeded;
	}

	/** What a restore to {@code instant} from {@code chain} must hold. */
	private void assertHolds(Instant instant, RestoreWindow.ChainSummary chain, boolean realClock) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
			long count = TestDatabases.queryLong(connection, "SELECT count(*) FROM tx");
			long max = TestDatabases.queryLong(connection, "SELECT coalesce(max(seq), 0) FROM tx");
			assertThat(count).as("sequence numbers at %s are a gap-free prefix", instant).isEqualTo(max);
			assertThat(TestDatabases.queryLong(connection, "SELECT sum(balance) FROM account"))
				.isEqualTo(ContinuousChaosTests.ACCOUNTS * ContinuousChaosTests.BALANCE);
			if (!realClock) {
				// Instants of a capture whose clock was behind are that clock's, not the writers'.
				return;
			}
			long startedAfter = TestDatabases.queryLong(connection,
					"SELECT count(*) FROM tx WHERE started > " + instant.toEpochMilli());
			assertThat(startedAfter).as("transactions started after %s", instant).isZero();
			long due = instant.toEpochMilli() - SYNC_MILLIS - SLACK_MILLIS;
			for (long[] ack : this.acks.values()) {
				if (ack[1] < due && ack[2] > chain.start().toEpochMilli()) {
					assertThat(ack[0]).as("transaction acknowledged at %d, restored to %s", ack[1], instant)
						.isLessThanOrEqualTo(max);
				}
			}
		}
	}

	private void assertThatRestoreIsRefused(SqliteBackupTemplate template, Instant instant, String reason)
			throws SQLException {
		List<String> before = ContinuousChaosTests.dumpOf(this.dataSource);
		try {
			template.restoreToPointInTime("app", instant, false);
			throw new AssertionError("A restore to " + ((instant != null) ? instant : "latest")
					+ " after the store was tampered with succeeded");
		}
		catch (BackupVerificationException | PointInTimeNotCoveredException ex) {
			assertThat(ex.getMessage()).contains(reason);
		}
		assertThat(ContinuousChaosTests.dumpOf(this.dataSource)).as("the live database after a refused restore")
			.isEqualTo(before);
	}

	/**
	 * Flips a byte in the middle of a segment with frames that a restore to its own instant applies:
	 * on a chain the latest one descends from, on the branch it follows, with no snapshot after it
	 * dated at or before it (a restore would start from that snapshot and never read it).
	 */
	private Segment changeAFrameSegmentOfAnEarlierChain(List<Segment> segments, RestoreWindow window) throws Exception {
		RestoreWindow.ChainSummary chain = window.chains().stream().filter(RestoreWindow.ChainSummary::latest)
			.findFirst().orElseThrow();
		Segment target = null;
		while (target == null && chain.parent() != null) {
			ChainPoint parent = chain.parent();
			List<Segment> ofParent = segments.stream()
				.filter((segment) -> segment.chainId().equals(parent.chainId()) && segment.sequence() <= parent.sequence())
				.sorted(Comparator.comparingLong(Segment::sequence))
				.toList();
			for (Segment candidate : ofParent) {
				boolean startsAfter = ofParent.stream()
					.noneMatch((later) -> later.sequence() > candidate.sequence() && later.isSnapshot()
							&& !later.capturedAt().isAfter(candidate.capturedAt()));
				// The chain that follows must not cover the instant too: a restore would use that one.
				Instant childStart = chain.start();
				if (candidate.frameCount() > 0 && startsAfter && candidate.capturedAt().isBefore(childStart)) {
					target = candidate;
				}
			}
			chain = window.chains().stream().filter((summary) -> summary.id().equals(parent.chainId())).findFirst()
				.orElse(null);
			if (chain == null) {
				break;
			}
		}
		assertThat(target).as("a segment a restore to its instant applies").isNotNull();
		StoredSegments.flipAFrameByte(this.temp.resolve("backups/app/segments/" + target.id() + ".segment"));
		return target;
	}

	/**
	 * Deletes the two newest segments of the latest chain (its only one, when
	 * the chain started at the last moment), and leaves its head record.
	 */
	private void cutTheLatestChainsTail(List<Segment> segments, RestoreWindow window) throws Exception {
		String latest = window.chains().stream().filter(RestoreWindow.ChainSummary::latest).findFirst().orElseThrow().id();
		List<Segment> tail = segments.stream()
			.filter((segment) -> segment.chainId().equals(latest))
			.sorted(Comparator.comparingLong(Segment::sequence).reversed())
			.limit(2)
			.toList();
		assertThat(tail).as("segments of the latest chain").isNotEmpty();
		for (Segment segment : tail) {
			Files.delete(this.temp.resolve("backups/app/segments/" + segment.id() + ".segment"));
		}
	}

	/** Starts a writer process that captures nothing, kills it with {@code kill -9} after a random while, and again. */
	private void killOutsideWritersAgainAndAgain(Path file, AtomicBoolean writing) {
		Random random = new Random();
		try {
			while (writing.get()) {
				Process writer = CrashTests.startChild(TransferWriterChild.class, List.of(file.toString()), "READY");
				this.children.add(writer);
				Thread reader = readAcks(writer);
				Thread.sleep(300 + random.nextInt(900));
				killNow(writer);
				reader.join(2000);
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private Process startCapturing(Path file, Path backups, long clockOffsetMillis) throws Exception {
		Process child = CrashTests.startChild(ContinuousChaosChild.class, List.of(file.toString(), backups.toString(),
				Long.toString(SYNC_MILLIS), Long.toString(clockOffsetMillis)), "READY");
		this.children.add(child);
		Thread reader = new Thread(() -> {
			try (BufferedReader output = new BufferedReader(
					new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = output.readLine()) != null) {
					if (line.startsWith("ACK ")) {
						String[] parts = line.split(" ");
						long seq = Long.parseLong(parts[1]);
						this.acks.put(seq, new long[] { seq, Long.parseLong(parts[2]), Long.parseLong(parts[2]) });
					}
					else if (line.startsWith("CHAIN ") && clockOffsetMillis != 0) {
						this.steppedChains.put(line.substring(6).trim(), true);
					}
					if (line.startsWith("CHAIN ") || line.startsWith("STANDBY") || line.startsWith("CAPTURING")
							|| line.contains("WARN")) {
						System.out.println("chaos child " + clockOffsetMillis + ": " + line);
					}
				}
			}
			catch (Exception ex) {
				// The child was killed.
			}
		});
		reader.setDaemon(true);
		reader.start();
		return child;
	}

	private Thread readAcks(Process writer) {
		Thread reader = new Thread(() -> {
			try (BufferedReader output = new BufferedReader(
					new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
				String line;
				while ((line = output.readLine()) != null) {
					if (line.startsWith("ACK ")) {
						String[] parts = line.split(" ");
						long seq = Long.parseLong(parts[1]);
						this.acks.put(seq, new long[] { seq, Long.parseLong(parts[2]), Long.parseLong(parts[3]) });
					}
				}
			}
			catch (Exception ex) {
				// The writer was killed.
			}
		});
		reader.setDaemon(true);
		reader.start();
		return reader;
	}

	private static void killNow(Process child) throws InterruptedException {
		child.destroyForcibly();
		child.waitFor();
	}

	private static void stopGracefully(Process child) throws Exception {
		Writer input = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
		input.write("stop\n");
		input.flush();
		assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(child.exitValue()).isZero();
	}

}
