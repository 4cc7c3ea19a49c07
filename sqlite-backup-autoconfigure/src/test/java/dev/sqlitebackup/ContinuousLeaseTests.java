package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * One writer per store: continuous backup takes a lease on the store before it ships anything,
 * renews it, stands by while another instance holds it, gives it up at once when it finds it
 * taken, and releases it on a clean stop so that the next instance takes over without waiting.
 * Here two instances on one backup directory, each with its own database file (two machines that
 * share a store during a deploy).
 */
class ContinuousLeaseTests {

	private static final Duration LEASE = Duration.ofSeconds(15);

	@TempDir
	Path temp;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T12:00:00Z"));

	private final List<Instance> instances = new java.util.ArrayList<>();

	@AfterEach
	void stop() {
		for (Instance instance : this.instances) {
			instance.template.stopCapture("app");
			TestDatabases.close(instance.dataSource);
		}
	}

	private Path backups() {
		return this.temp.resolve("backups");
	}

	private Instance instance(String name) throws Exception {
		return instance(name, this.clock, true);
	}

	private Instance instance(String name, java.time.Clock clock, boolean create) throws Exception {
		// A database that is not created yet is left unopened: a restore brings it.
		DataSource dataSource = create ? TestDatabases.hikari(this.temp.resolve(name + ".db"), Mode.WAL)
				: TestDatabases.plain(this.temp.resolve(name + ".db"), Mode.WAL);
		if (create) {
			TestDatabases.execute(dataSource, "CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
		}
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(backups()),
				BackupOptions.defaults().withSafetyBackup(false).withLeaseDuration(LEASE), clock);
		Instance instance = new Instance(dataSource, template);
		this.instances.add(instance);
		return instance;
	}

	@Test
	void theStoresLeaseIsACompareAndSwap() throws Exception {
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(backups());
		Lease first = new Lease(Lease.Holder.ofThisProcess(), 1, Instant.parse("2026-12-03T12:00:15Z"), false);
		String version = store.writeLease("app", first, null).orElseThrow();

		assertThat(store.writeLease("app", first, null)).as("a second create").isEmpty();
		Lease renewed = new Lease(first.holder(), 1, Instant.parse("2026-12-03T12:00:30Z"), false);
		String renewedVersion = store.writeLease("app", renewed, version).orElseThrow();
		assertThat(store.writeLease("app", renewed, version)).as("a swap from a stale version").isEmpty();
		assertThat(store.readLease("app")).map(StoredLease::lease).contains(renewed);
		assertThat(store.readLease("app")).map(StoredLease::version).contains(renewedVersion);
	}

	@Test
	void exactlyOneOfTwoInstancesCapturesAndTheOtherSaysWhoHoldsTheLease() throws Exception {
		Instance first = instance("first");
		Instance second = instance("second");

		CaptureResult holder = first.template.capture("app");
		CaptureResult standby = second.template.capture("app");

		assertThat(holder.chainId()).isNotNull();
		assertThat(standby.isStandby()).isTrue();
		ContinuousStatus status = second.template.continuousStatus("app").orElseThrow();
		assertThat(status.state()).isEqualTo(ContinuousStatus.State.STANDBY);
		assertThat(status.lease()).isNotNull();
		assertThat(status.lease().epoch()).isEqualTo(1);
		assertThat(status.lastFailure()).contains("pid " + ProcessHandle.current().pid()).contains("epoch 1");
	}

	@Test
	void aCleanStopReleasesTheLeaseAndTheOtherInstanceTakesOverAtOnce() throws Exception {
		Instance first = instance("first");
		Instance second = instance("second");
		first.template.capture("app");
		assertThat(second.template.capture("app").isStandby()).isTrue();

		first.template.stopCapture("app");
		CaptureResult takeover = second.template.capture("app");

		assertThat(takeover.isStandby()).isFalse();
		assertThat(takeover.startedChain()).isTrue();
		assertThat(second.template.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(2);
	}

	@Test
	void aLeaseThatLapsedIsTakenUnderAHigherEpochAndItsFormerHolderStandsByAtItsNextRenewal() throws Exception {
		Instance first = instance("first");
		first.template.capture("app");
		Instance second = instance("second");
		assertThat(second.template.capture("app").isStandby()).isTrue();

		// The first instance pauses (a long GC, a frozen VM) past its lease.
		this.clock.advance(LEASE.plusSeconds(1));
		CaptureResult takeover = second.template.capture("app");
		assertThat(takeover.isStandby()).isFalse();
		assertThat(second.template.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(2);

		// It wakes up: its renewal finds the lease taken, and it ships nothing.
		CaptureResult woken = first.template.capture("app");
		assertThat(woken.isStandby()).isTrue();
		assertThat(first.template.continuousStatus("app").orElseThrow().lastFailure()).contains("epoch 2");
	}

	@Test
	void theHolderRenewsItsLeaseWhileItCaptures() throws Exception {
		Instance first = instance("first");
		first.template.capture("app");
		Instant firstExpiry = new LocalDirectoryBackupStore(backups()).readLease("app").orElseThrow().lease().expiresAt();

		this.clock.advance(Duration.ofSeconds(6));
		first.template.capture("app");

		Lease renewed = new LocalDirectoryBackupStore(backups()).readLease("app").orElseThrow().lease();
		assertThat(renewed.expiresAt()).isAfter(firstExpiry);
		assertThat(renewed.epoch()).isEqualTo(1);
	}

	@Test
	void aLeaseHeldByAProcessThatIsGoneFromThisHostIsTakenWithoutWaiting() throws Exception {
		Lease.Holder self = Lease.Holder.ofThisProcess();
		Lease.Holder gone = new Lease.Holder(self.host(), Long.MAX_VALUE - 7, self.startedAt(), "killed");
		new LocalDirectoryBackupStore(backups()).writeLease("app",
				new Lease(gone, 4, this.clock.instant().plus(LEASE), false), null);
		Instance next = instance("next");

		CaptureResult result = next.template.capture("app");

		assertThat(result.isStandby()).isFalse();
		assertThat(next.template.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(5);
	}

	@Test
	void afterKillNineOfTheHolderTheNextInstanceOnThisHostTakesOverAtOnceWithEveryShippedRow() throws Exception {
		Path killed = this.temp.resolve("killed.db");
		DataSource created = TestDatabases.plain(killed, Mode.WAL);
		TestDatabases.execute(created, "CREATE TABLE item (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, padding BLOB)");
		Process child = CrashTests.startChild(ContinuousCaptureChild.class,
				List.of(killed.toString(), backups().toString(), "1", "lease"), "READY");
		long shipped = 0;
		try {
			java.io.BufferedReader output = new java.io.BufferedReader(
					new java.io.InputStreamReader(child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
			String line;
			while ((line = output.readLine()) != null && shipped < 20) {
				if (line.startsWith("CAPTURED ")) {
					shipped = Long.parseLong(line.substring(9));
				}
			}
		}
		finally {
			child.destroyForcibly().waitFor();
		}
		SqliteBackupTemplate next = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", created)),
				new LocalDirectoryBackupStore(backups()),
				BackupOptions.defaults().withSafetyBackup(false).withLeaseDuration(LEASE));
		this.instances.add(new Instance(created, next));

		long started = System.nanoTime();
		assertThat(next.capture("app").isStandby()).isFalse();
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LEASE);
		assertThat(next.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(2);
		Path restored = this.temp.resolve("restored.db");
		next.restoreToFile("app", null, restored);
		try (java.sql.Connection connection = TestDatabases.open(restored);
				java.sql.Statement statement = connection.createStatement();
				java.sql.ResultSet rows = statement.executeQuery("SELECT count(*), max(seq) FROM item")) {
			rows.next();
			assertThat(rows.getLong(2)).isGreaterThanOrEqualTo(shipped);
			assertThat(rows.getLong(1)).isEqualTo(rows.getLong(2));
		}
	}

	@Test
	void aLeaseHeldOnAnotherHostIsWaitedForUntilItLapses() throws Exception {
		Lease.Holder elsewhere = new Lease.Holder("another-host", 42, Instant.parse("2026-12-01T00:00:00Z"), "remote");
		new LocalDirectoryBackupStore(backups()).writeLease("app",
				new Lease(elsewhere, 7, this.clock.instant().plus(Duration.ofSeconds(5)), false), null);
		Instance next = instance("next");

		assertThat(next.template.capture("app").isStandby()).isTrue();
		assertThatIllegalStateException().isThrownBy(() -> next.template.awaitLease("app", Duration.ofMillis(300)))
			.withMessageContaining("another-host")
			.withMessageContaining("wait-on-startup");
		this.clock.advance(Duration.ofSeconds(6));

		Optional<Lease> taken = next.template.awaitLease("app", Duration.ofSeconds(5));
		assertThat(taken).map(Lease::epoch).contains(8L);
		assertThat(next.template.capture("app").isStandby()).isFalse();
	}

	@Test
	void aReleasedLeaseSaysSoInTheStore() throws Exception {
		Instance first = instance("first");
		first.template.capture("app");
		first.template.stopCapture("app");

		Lease released = new LocalDirectoryBackupStore(backups()).readLease("app").orElseThrow().lease();
		assertThat(released.released()).isTrue();
		assertThat(Files.readString(backups().resolve("app").resolve("lease"))).contains("\"released\":true");
	}

	@Test
	void aHolderPausedPastItsLeaseThatPublishesWhenItWakesIsIgnoredByARestore() throws Exception {
		// Each process has its own clock: the paused one checks its lease just before the pause, and
		// reads the WAL just after it, a minute later.
		PausingClock pausedClock = new PausingClock(this.clock.instant());
		Instance paused = instance("paused", pausedClock, true);
		TestDatabases.execute(paused.dataSource, "INSERT INTO note (text) VALUES ('before the pause')");
		paused.template.capture("app");

		// Meanwhile its lease lapses; a new instance on an empty disk takes it and restores the latest point.
		this.clock.advance(LEASE.plusSeconds(5));
		Instance next = instance("next", this.clock, false);
		assertThat(next.template.awaitLease("app", Duration.ofSeconds(5))).map(Lease::epoch).contains(2L);
		Path nextFile = this.temp.resolve("next.db");
		assertThat(nextFile).doesNotExist();
		assertThat(next.template.restoreIfMissing("app", nextFile).restored()).isTrue();
		TestDatabases.execute(next.dataSource, "INSERT INTO note (text) VALUES ('written by the new holder')");
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(next.template.capture("app").isStandby()).isFalse();

		// The paused process checks its lease (still good by its clock), pauses, and publishes a segment.
		TestDatabases.execute(paused.dataSource, "INSERT INTO note (text) VALUES ('published after losing the lease')");
		pausedClock.pauseAfterNextReading(Duration.ofSeconds(1), Duration.ofMinutes(1));
		CaptureResult late = paused.template.capture("app");
		assertThat(late.frames()).isPositive();

		Path restored = this.temp.resolve("restored.db");
		next.template.restoreToFile("app", null, restored);
		assertThat(TestDatabases.notes(TestDatabases.plain(restored, Mode.DELETE))).containsExactly("before the pause",
				"written by the new holder");
	}

	/** A process's clock across a pause: one reading just before it, every later one after it. */
	private static final class PausingClock extends java.time.Clock {

		private volatile Instant now;

		private volatile Instant afterPause;

		private final java.util.concurrent.atomic.AtomicInteger readingsBeforePause = new java.util.concurrent.atomic.AtomicInteger(
				-1);

		PausingClock(Instant now) {
			this.now = now;
		}

		void pauseAfterNextReading(Duration untilThen, Duration pause) {
			this.now = this.now.plus(untilThen);
			this.afterPause = this.now.plus(pause);
			this.readingsBeforePause.set(2);
		}

		@Override
		public Instant instant() {
			if (this.readingsBeforePause.get() >= 0 && this.readingsBeforePause.getAndDecrement() == 0) {
				this.now = this.afterPause;
			}
			return this.now;
		}

		@Override
		public java.time.ZoneId getZone() {
			return java.time.ZoneOffset.UTC;
		}

		@Override
		public java.time.Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

	private record Instance(DataSource dataSource, SqliteBackupTemplate template) {
	}

}
