package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Retention of a continuously backed-up database counts the backups users asked for. */
class ContinuousRetentionTests {

	@TempDir
	Path temp;

	private CapturedItems items;

	@BeforeEach
	void start() throws Exception {
		this.items = new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false));
		this.items.capture();
	}

	@AfterEach
	void close() {
		this.items.close();
	}

	@Test
	void snapshotsTakenBecauseAChainStartedTakeNoPlaceFromTheBackupsUsersAskedFor() throws Exception {
		Backup[] asked = new Backup[3];
		Instant[] after = new Instant[3];
		for (int round = 0; round < 3; round++) {
			this.items.insert("round " + round, 10);
			this.items.capture();
			asked[round] = this.items.template.backup("app");
			this.items.insert("after backup " + round, 10);
			this.items.capture();
			after[round] = this.items.clock.instant();
			// A restart of the application starts a new chain from a snapshot of its own.
			this.items.template.stopCapture("app");
			this.items.capture();
		}

		this.items.template.prune("app", new RetentionPolicy(2, null));

		List<String> kept = this.items.template.list("app").stream().map(Backup::id).toList();
		assertThat(kept).contains(asked[1].id(), asked[2].id()).doesNotContain(asked[0].id());
		RestoreWindow window = this.items.template.continuousStatus("app").orElseThrow().window();
		assertThat(window.from()).isEqualTo(asked[1].createdAt().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
		this.items.template.restore("app", after[1]);
		assertThat(this.items.labels()).containsExactly("round 0", "after backup 0", "round 1", "after backup 1");
	}

	@Test
	void withoutBackupsUsersAskedForTheChainStartsAreWhatRetentionCounts() throws Exception {
		this.items.insert("first chain", 10);
		this.items.capture();
		this.items.template.stopCapture("app");
		this.items.capture();
		this.items.insert("second chain", 10);
		this.items.capture();

		this.items.template.prune("app", new RetentionPolicy(1, null));

		assertThat(this.items.template.list("app")).singleElement()
			.satisfies((backup) -> assertThat(backup.trigger()).isEqualTo(BackupTrigger.CONTINUOUS));
		assertThat(this.items.segments()).extracting(Segment::chainId).containsOnly(this.items.capture().chainId());
	}

}
