package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Pruning by count and age, which never deletes the newest verified backup nor the one a run just
 * took, and which backups dated after the current time (the clock was set back) cannot mislead.
 */
class RetentionTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T00:00:00Z"));

	private SqliteBackupTemplate template;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "x");
		this.template = template(VerifyMode.QUICK);
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void keepLastDeletesAllButTheNewest() {
		List<Backup> taken = takeDailyBackups(5);
		List<Backup> deleted = this.template.prune("app", new RetentionPolicy(2, null));
		assertThat(deleted).extracting(Backup::id)
			.containsExactly(taken.get(2).id(), taken.get(1).id(), taken.get(0).id());
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(taken.get(4).id(), taken.get(3).id());
	}

	@Test
	void maxAgeDeletesOlderBackups() {
		List<Backup> taken = takeDailyBackups(5);
		this.template.prune("app", new RetentionPolicy(null, Duration.ofDays(2)));
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(taken.get(4).id(), taken.get(3).id(), taken.get(2).id());
	}

	@Test
	void newestVerifiedBackupIsKeptEvenWhenTooOld() {
		List<Backup> taken = takeDailyBackups(2);
		this.clock.advance(Duration.ofDays(30));
		this.template.prune("app", new RetentionPolicy(null, Duration.ofDays(1)));
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(taken.get(1).id());
	}

	@Test
	void newestVerifiedBackupIsKeptWhenNewerOnesAreUnverified() {
		Backup verified = takeDailyBackups(1).get(0);
		SqliteBackupTemplate unverifying = template(VerifyMode.NONE);
		this.clock.advance(Duration.ofDays(1));
		Backup unverified = unverifying.backup("app");
		this.template.prune("app", new RetentionPolicy(1, null));
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(unverified.id(), verified.id());
	}

	@Test
	void safetyBackupsAreKeptByTheSameRules() {
		List<Backup> taken = takeDailyBackups(1);
		this.clock.advance(Duration.ofDays(1));
		RestoreResult restore = this.template.restore("app", taken.get(0).id());
		this.clock.advance(Duration.ofDays(1));
		Backup latest = this.template.backup("app");
		this.template.prune("app", new RetentionPolicy(2, null));
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(latest.id(), restore.safetyBackupId());
	}

	@Test
	void backupAndPruneAppliesRetentionAfterASuccessfulBackup() {
		takeDailyBackups(3);
		this.clock.advance(Duration.ofDays(1));
		Backup newest = this.template.backupAndPrune("app", BackupTrigger.SCHEDULED, new RetentionPolicy(1, null));
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(newest.id());
		assertThat(newest.trigger()).isEqualTo(BackupTrigger.SCHEDULED);
	}

	@Test
	void backupAndPruneKeepsTheBackupItJustTookWhenOthersAreDatedSlightlyLater() {
		// Within the tolerance: not future-dated, so only the guard for the new backup keeps it.
		this.clock.advance(Duration.ofSeconds(30));
		Backup datedLater = this.template.backup("app");
		this.clock.advance(Duration.ofSeconds(-30));
		Backup taken = this.template.backupAndPrune("app", BackupTrigger.SCHEDULED, new RetentionPolicy(1, null));
		assertThat(this.template.list("app")).extracting(Backup::id).contains(taken.id(), datedLater.id());
	}

	@Test
	void backupAndPruneAfterTheClockWasSetBackKeepsTheNewBackup() {
		this.clock.advance(Duration.ofDays(10));
		List<Backup> futureDated = takeDailyBackups(2);
		this.clock.advance(Duration.ofDays(-20));
		Backup taken = this.template.backupAndPrune("app", BackupTrigger.SCHEDULED, new RetentionPolicy(1, null));
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(futureDated.get(1).id(), futureDated.get(0).id(), taken.id());
	}

	@Test
	void futureDatedBackupsTakeNoKeepLastPlace() {
		this.clock.advance(Duration.ofDays(30));
		List<Backup> futureDated = takeDailyBackups(2);
		this.clock.advance(Duration.ofDays(-60));
		List<Backup> taken = takeDailyBackups(3);
		List<Backup> deleted = this.template.prune("app", new RetentionPolicy(2, null));
		assertThat(deleted).extracting(Backup::id).containsExactly(taken.get(0).id());
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(futureDated.get(1).id(), futureDated.get(0).id(), taken.get(2).id(), taken.get(1).id());
	}

	@Test
	void newestVerifiedBackupIsKeptByTheAgeLimitWhenOnlyFutureDatedOnesAreNewer() {
		this.clock.advance(Duration.ofDays(30));
		Backup futureDated = this.template.backup("app");
		this.clock.advance(Duration.ofDays(-60));
		List<Backup> taken = takeDailyBackups(2);
		this.clock.advance(Duration.ofDays(10));
		this.template.prune("app", new RetentionPolicy(null, Duration.ofDays(1)));
		assertThat(this.template.list("app")).extracting(Backup::id)
			.containsExactly(futureDated.id(), taken.get(1).id());
	}

	@Test
	void policyRejectsNonsense() {
		assertThatIllegalArgumentException().isThrownBy(() -> new RetentionPolicy(0, null));
		assertThatIllegalArgumentException().isThrownBy(() -> new RetentionPolicy(null, Duration.ofDays(-1)));
	}

	private List<Backup> takeDailyBackups(int count) {
		List<Backup> taken = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			if (i > 0) {
				this.clock.advance(Duration.ofDays(1));
			}
			taken.add(this.template.backup("app"));
		}
		return taken;
	}

	private SqliteBackupTemplate template(VerifyMode mode) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withVerifyMode(mode), this.clock);
	}

	/** A clock the test moves by hand, so that ages are exact. */
	static final class MutableClock extends Clock {

		private volatile Instant now;

		MutableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneOffset getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
