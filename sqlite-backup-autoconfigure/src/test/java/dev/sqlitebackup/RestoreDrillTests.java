package dev.sqlitebackup;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore drill reads the newest backup (or the latest captured point) back from the store,
 * restores it into a scratch copy, checks it in full and with the application's checks, and never
 * touches the live database; a drill that finds a problem fails and says which.
 */
class RestoreDrillTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private final RetentionTests.MutableClock clock = new RetentionTests.MutableClock(Instant.parse("2026-12-03T12:00:00Z"));

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "first", "second");
		this.template = template(new LocalDirectoryBackupStore(backups()));
	}

	@AfterEach
	void close() {
		this.template.stopCapture("app");
		TestDatabases.close(this.dataSource);
	}

	private SqliteBackupTemplate template(BackupStore store) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)), store,
				BackupOptions.defaults().withSafetyBackup(false), this.clock);
	}

	private Path backups() {
		return this.temp.resolve("backups");
	}

	@Test
	void aDrillOfAGoodBackupPassesAndSaysWhatItRestored() {
		Backup backup = this.template.backup("app");
		this.clock.advance(Duration.ofMinutes(5));

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isTrue();
		assertThat(result.problems()).isEmpty();
		assertThat(result.backupId()).isEqualTo(backup.id());
		assertThat(result.restoredTo()).isNull();
		assertThat(result.age()).isEqualTo(Duration.ofMinutes(5));
		assertThat(this.template.lastDrill("app")).contains(result);
	}

	@Test
	void aDrillLeavesTheLiveDatabaseAndTheStagingFolderAsTheyWere() throws Exception {
		this.template.backup("app");
		long liveModified = Files.getLastModifiedTime(this.temp.resolve("app.db")).toMillis();

		this.template.drill("app");

		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		assertThat(Files.getLastModifiedTime(this.temp.resolve("app.db")).toMillis()).isEqualTo(liveModified);
		try (Stream<Path> staging = Files.walk(backups()).filter((path) -> path.toString().contains(".staging"))) {
			assertThat(staging.filter(Files::isRegularFile)).isEmpty();
		}
	}

	@Test
	void aDrillOfABackupWithAFlippedByteFails() throws Exception {
		Backup backup = this.template.backup("app");
		flipAByte(backups().resolve("app").resolve(backup.id() + ".sqlite"));

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(result.backupId()).isEqualTo(backup.id());
		assertThat(result.problems()).singleElement().asString().contains(backup.id()).contains("SHA-256");
	}

	@Test
	void aDrillOfABackupWhoseManifestWasChangedFails() throws Exception {
		Backup backup = this.template.backup("app");
		Path manifest = backups().resolve("app").resolve(backup.id() + ".manifest");
		String text = Files.readString(manifest, StandardCharsets.ISO_8859_1);
		Files.writeString(manifest, text.replace("pageCount=" + backup.pageCount(),
				"pageCount=" + (backup.pageCount() + 1)), StandardCharsets.ISO_8859_1);

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(String.join(" ", result.problems())).contains(backup.id());
	}

	@Test
	void aDrillOfAnEmptyStoreFails() {
		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(result.problems()).singleElement().asString().contains("holds no backup");
	}

	@Test
	void aDrillWithContinuousBackupRestoresTheLatestCapturedPoint() throws Exception {
		this.template.capture("app");
		TestDatabases.addNote(this.dataSource, "third");
		this.clock.advance(Duration.ofSeconds(1));
		CaptureResult last = this.template.capture("app");

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).as(String.join("; ", result.problems())).isTrue();
		assertThat(result.restoredTo()).isEqualTo(this.clock.instant());
		assertThat(result.backupId()).isNotNull();
		assertThat(last.frames()).isPositive();
	}

	@Test
	void aDrillOfAChainWithAMissingSegmentFails() throws Exception {
		this.template.capture("app");
		for (String note : List.of("third", "fourth", "fifth")) {
			TestDatabases.addNote(this.dataSource, note);
			this.clock.advance(Duration.ofSeconds(1));
			this.template.capture("app");
		}
		Path segments = backups().resolve("app").resolve("segments");
		try (Stream<Path> files = Files.list(segments)) {
			for (Path file : files.filter((path) -> path.getFileName().toString().contains("-segment-0000000002."))
				.toList()) {
				Files.delete(file);
			}
		}

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(String.join(" ", result.problems())).contains("segment 2");
	}

	@Test
	void theApplicationsChecksSeeTheRestoredCopyAndOneThatFailsFailsTheDrill() throws Exception {
		this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		this.template.addDrillCheck(RestoreDrillTests::countNotes);
		this.template.addDrillCheck((restored) -> {
			throw new IllegalStateException("no note is newer than a day");
		});

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(result.checks()).hasSize(2);
		assertThat(result.checks().get(0)).satisfies((check) -> {
			assertThat(check.passed()).isTrue();
			assertThat(check.message()).isEqualTo("2 notes");
		});
		assertThat(result.checks().get(1).passed()).isFalse();
		assertThat(result.problems()).singleElement().asString().contains("no note is newer than a day");
	}

	@Test
	void theApplicationsChecksCannotWriteToTheRestoredCopy() {
		this.template.backup("app");
		this.template.addDrillCheck((restored) -> {
			try (Statement statement = restored.createStatement()) {
				statement.execute("DELETE FROM note");
			}
			return "deleted";
		});

		RestoreDrillResult result = this.template.drill("app");

		assertThat(result.passed()).isFalse();
		assertThat(result.checks().get(0).message()).containsIgnoringCase("readonly");
	}

	@Test
	void withBackupsKeptInTwoPlacesTheDrillReadsTheOffsiteCopy() throws Exception {
		Path offsite = this.temp.resolve("offsite");
		OffsiteCopyBackupStore store = new OffsiteCopyBackupStore(new LocalDirectoryBackupStore(backups()),
				new LocalDirectoryBackupStore(offsite), 1);
		SqliteBackupTemplate twoPlaces = template(store);
		Backup backup = twoPlaces.backup("app");
		assertThat(twoPlaces.drill("app").passed()).isTrue();

		flipAByte(offsite.resolve("app").resolve(backup.id() + ".sqlite"));

		RestoreDrillResult result = twoPlaces.drill("app");
		assertThat(result.passed()).isFalse();
		assertThat(String.join(" ", result.problems())).contains("SHA-256");
	}

	private static String countNotes(Connection restored) throws Exception {
		try (Statement statement = restored.createStatement();
				ResultSet rows = statement.executeQuery("SELECT count(*) FROM note")) {
			rows.next();
			return rows.getLong(1) + " notes";
		}
	}

	private static void flipAByte(Path file) throws Exception {
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
			long middle = bytes.length() / 2;
			bytes.seek(middle);
			int value = bytes.read();
			bytes.seek(middle);
			bytes.write(value ^ 0xFF);
		}
	}

}
