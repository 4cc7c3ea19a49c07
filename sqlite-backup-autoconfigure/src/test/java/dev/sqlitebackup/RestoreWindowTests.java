package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.RestoreWindow.ChainSummary;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The restore window says what a restore to a point can reach: where it starts and ends, the gaps
 * in which no capture ran, and the chains with their parents; an instant it does not cover is
 * refused, never answered with an older state.
 */
class RestoreWindowTests {

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
	void theStretchBetweenTwoChainsIsAGapAndARestoreIntoItIsRefusedNamingTheCoveredInstantsAround() throws Exception {
		this.items.insert("first run", 10);
		this.items.capture();
		Instant firstRunEnd = this.items.clock.instant();
		this.items.template.stopCapture("app");
		this.items.clock.advance(Duration.ofMinutes(10));
		this.items.insert("while nothing captured", 10);
		this.items.execute("PRAGMA wal_checkpoint(TRUNCATE)");
		CaptureResult second = this.items.capture();
		Instant secondStart = this.items.clock.instant();

		RestoreWindow window = window();

		assertThat(window.gaps()).singleElement().satisfies((gap) -> {
			assertThat(gap.from()).isEqualTo(firstRunEnd);
			assertThat(gap.to()).isEqualTo(secondStart);
			assertThat(gap.reason()).contains(second.chainId()).contains("continuous backup started");
		});
		assertThatExceptionOfType(PointInTimeNotCoveredException.class)
			.isThrownBy(() -> this.items.template.restore("app", firstRunEnd.plus(Duration.ofMinutes(5))))
			.withMessageContaining("falls in a gap from " + firstRunEnd + " to " + secondStart)
			.withMessageContaining("the nearest covered instants are " + firstRunEnd + " and " + secondStart);
		assertThat(this.items.labels()).containsExactly("first run", "while nothing captured");
		this.items.template.restore("app", firstRunEnd);
		assertThat(this.items.labels()).containsExactly("first run");
	}

	@Test
	void passesThatFailedLeaveAGapInsideTheChainWhichGoesOn() throws Exception {
		this.items.insert("before", 10);
		String chain = this.items.capture().chainId();
		Instant beforeFailures = this.items.clock.instant();
		Path segments = this.items.backups().resolve("app").resolve("segments");
		Path aside = this.temp.resolve("segments-aside");
		Files.move(segments, aside);
		Files.writeString(segments, "not a folder");
		this.items.insert("during the failures", 10);
		for (int pass = 0; pass < 5; pass++) {
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(this.items::capture);
		}
		Files.delete(segments);
		Files.move(aside, segments);
		CaptureResult recovered = this.items.capture();
		Instant recoveredAt = this.items.clock.instant();

		RestoreWindow window = window();

		assertThat(recovered.chainId()).isEqualTo(chain);
		assertThat(window.chains()).hasSize(1);
		assertThat(window.gaps()).singleElement().satisfies((gap) -> {
			assertThat(gap.from()).isEqualTo(beforeFailures);
			assertThat(gap.to()).isEqualTo(recoveredAt);
			assertThat(gap.reason()).startsWith("passes failed");
		});
		assertThatExceptionOfType(PointInTimeNotCoveredException.class)
			.isThrownBy(() -> this.items.template.restore("app", beforeFailures.plusSeconds(2)))
			.withMessageContaining("falls in a gap");
		this.items.template.restore("app", recoveredAt);
		assertThat(this.items.labels()).containsExactly("before", "during the failures");
	}

	@Test
	void whileCaptureRunsTheWindowEndsAtItsLastPassEvenWithoutNewSegments() throws Exception {
		this.items.insert("one", 10);
		this.items.capture();
		this.items.capture();
		this.items.capture();

		assertThat(window().to()).isEqualTo(this.items.clock.instant());
	}

	@Test
	void anInstantAfterTheWindowIsRefusedNamingTheWindow() throws Exception {
		this.items.insert("one", 10);
		this.items.capture();
		Instant end = this.items.clock.instant();

		assertThatExceptionOfType(PointInTimeNotCoveredException.class)
			.isThrownBy(() -> this.items.template.restoreToFile("app", end.plusSeconds(30), this.temp.resolve("x.db")))
			.withMessageContaining("the restore window is ")
			.withMessageContaining(" to " + end);
	}

	@Test
	void theChainsAreListedWithTheirParentsWhyEachStartedAndWhichIsTheLatest() throws Exception {
		this.items.insert("first", 10);
		this.items.capture();
		Instant afterFirst = this.items.clock.instant();
		this.items.insert("second", 10);
		this.items.capture();
		PointInTimeResult restored = this.items.template.restore("app", afterFirst);
		CaptureResult next = this.items.capture();

		List<ChainSummary> chains = window().chains();

		assertThat(chains).hasSize(2);
		assertThat(chains.get(0).parent()).isNull();
		assertThat(chains.get(0).startReason()).isEqualTo("continuous backup started");
		assertThat(chains.get(0).latest()).isFalse();
		assertThat(chains.get(1).id()).isEqualTo(next.chainId());
		assertThat(chains.get(1).parent()).isEqualTo(restored.point());
		assertThat(chains.get(1).startReason()).isEqualTo("the database was restored to " + afterFirst
				+ " (segment " + restored.point().sequence() + " of chain " + restored.chain() + ")");
		assertThat(chains.get(1).latest()).isTrue();
	}

	@Test
	void theWindowIsReadFromTheChainsHeadRecordsWithoutListingTheSegments() throws Exception {
		this.items.close();
		AtomicInteger listings = new AtomicInteger();
		AtomicInteger reads = new AtomicInteger();
		LocalDirectoryBackupStore counting = new LocalDirectoryBackupStore(this.temp.resolve("backups")) {

			@Override
			public List<Segment> listSegments(String database) {
				listings.incrementAndGet();
				return super.listSegments(database);
			}

			@Override
			public java.util.Optional<Segment> findSegment(String database, String chainId, long sequence) {
				reads.incrementAndGet();
				return super.findSegment(database, chainId, sequence);
			}

		};
		Files.deleteIfExists(this.temp.resolve("app.db"));
		this.items = new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false), counting, true);
		this.items.capture();
		for (int i = 0; i < 40; i++) {
			this.items.insert("row " + i, 10);
			this.items.capture();
		}
		listings.set(0);
		reads.set(0);

		RestoreWindow window = this.items.template.restoreWindow("app").orElseThrow();

		assertThat(window.to()).isEqualTo(this.items.clock.instant());
		assertThat(listings).as("listings of every segment").hasValue(0);
		assertThat(reads.get()).as("segments read one by one").isLessThanOrEqualTo(4);
	}

	@Test
	void headRecordsThatWereLostAreRebuiltFromTheSegments() throws Exception {
		this.items.insert("one", 10);
		this.items.capture();
		this.items.insert("two", 10);
		this.items.capture();
		Instant end = this.items.clock.instant();
		this.items.template.stopCapture("app");
		List<String> live = this.items.labels();
		try (var heads = Files.list(this.items.backups().resolve("app/chains"))) {
			for (Path head : heads.toList()) {
				Files.delete(head);
			}
		}

		RestoreWindow window = this.items.template.restoreWindow("app").orElseThrow();

		assertThat(window.to()).isEqualTo(end);
		assertThat(window.chains()).singleElement().satisfies((chain) -> assertThat(chain.latest()).isTrue());
		try (var heads = Files.list(this.items.backups().resolve("app/chains"))) {
			assertThat(heads.map((head) -> head.getFileName().toString())).contains("complete")
				.anyMatch((name) -> name.endsWith(".head"));
		}
		this.items.execute("DELETE FROM item");
		this.items.template.restoreLatest("app");
		assertThat(this.items.labels()).isEqualTo(live);
	}

	private RestoreWindow window() {
		return this.items.template.continuousStatus("app").orElseThrow().window();
	}

}
