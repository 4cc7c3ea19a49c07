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
		DataSource dataSource = TestDatabases.hikari(this.temp.resolve(name + ".db"), Mode.WAL);
		TestDatabases.execute(dataSource, "CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(backups()),
				BackupOptions.defaults().withSafetyBackup(false).withLeaseDuration(LEASE), this.clock);
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

	private record Instance(DataSource dataSource, SqliteBackupTemplate template) {
	}

}
