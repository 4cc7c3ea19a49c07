package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.github.tomakehurst.wiremock.http.Fault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.s3.FaultyRoute;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;
import dev.sqlitebackup.store.s3.S3Timeouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The S3 store when the way to the bucket is slow, flaky or cut: S3Proxy behind a fault-injecting
 * proxy. Every request has a deadline, a listing is whole or fails, and a fault on the way is
 * blamed on the connection, never on a backup.
 */
@ExtendWith(OutputCaptureExtension.class)
class S3FaultTests {

	private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);

	private static final Duration MUCH_LATER = Duration.ofSeconds(60);

	/** Far below any deadline asked for here, far above the time a fault takes to be noticed. */
	private static final Duration BOUND = Duration.ofSeconds(25);

	private static final String LISTING = "/%s\\?.*list-type=2.*";

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static final AtomicInteger buckets = new AtomicInteger();

	private static FaultyRoute route;

	private static S3Client client;

	@TempDir
	Path temp;

	private String bucket;

	private DataSource dataSource;

	@BeforeAll
	static void startRoute() {
		route = FaultyRoute.to(s3proxy.server().endpoint());
		client = S3ProxyServer.client(route.endpoint());
	}

	@AfterAll
	static void stopRoute() {
		client.close();
		route.close();
	}

	@BeforeEach
	void createBucketAndDatabase() throws Exception {
		route.heal();
		this.bucket = "faults-" + buckets.incrementAndGet();
		s3proxy.client().createBucket((request) -> request.bucket(this.bucket));
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "first", "second");
	}

	@AfterEach
	void close() {
		route.heal();
		TestDatabases.close(this.dataSource);
	}

	@Test
	void aListingThatTricklesInFailsWithinTheDeadline() {
		SqliteBackupTemplate template = template();
		route.dribble("GET", listing(), MUCH_LATER);
		long started = System.nanoTime();
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> template.list("app"))
			.withMessageContaining("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
	}

	@Test
	void aCleanUpThatTricklesInFailsWithinTheDeadline() {
		SqliteBackupTemplate template = template();
		route.dribble("GET", ".*", MUCH_LATER);
		long started = System.nanoTime();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> template.getStore().cleanUp("app"))
			.withMessageContaining("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
	}

	@Test
	void aBackupWhoseUploadIsNeverAnsweredFailsWithinItsDeadlineAndLeavesNothingListed() {
		SqliteBackupTemplate template = template();
		route.delay("PUT", ".*\\.sqlite", MUCH_LATER);
		long started = System.nanoTime();
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
		route.heal();
		assertThat(template.list("app")).isEmpty();
	}

	@Test
	void aDownloadThatTricklesInFailsWithinItsDeadline() throws Exception {
		SqliteBackupTemplate template = template();
		Backup backup = template.backup("app");
		route.dribble("GET", ".*\\.sqlite", MUCH_LATER);
		long started = System.nanoTime();
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> template.getStore().open(backup))
			.withMessageContaining("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void aManifestThatCannotBeDownloadedFailsTheListingNamingIt() throws Exception {
		SqliteBackupTemplate writer = template();
		writer.backup("app");
		Backup newest = writer.backup("app");
		route.fail("GET", ".*/" + newest.id() + "\\.manifest", Fault.CONNECTION_RESET_BY_PEER);
		SqliteBackupTemplate reader = template();
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> reader.list("app"))
			.withMessageContaining("manifest prod/app/" + newest.id() + ".manifest could not be read")
			.withMessageContaining("connection");
	}

	@Test
	void aManifestDownloadThatFailsOnceIsRetriedAndEveryBackupIsListed() throws Exception {
		SqliteBackupTemplate writer = template();
		Backup older = writer.backup("app");
		Backup newest = writer.backup("app");
		route.failTimes("GET", ".*/" + newest.id() + "\\.manifest", Fault.CONNECTION_RESET_BY_PEER, 1);
		assertThat(template().list("app")).containsExactly(newest, older);
	}

	@Test
	void aListingAnsweredWithAnEmptyBodyFailsRatherThanShowNoBackups() throws Exception {
		SqliteBackupTemplate template = template();
		template.backup("app");
		route.answer("GET", listing(), 200, "");
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> template.list("app"))
			.withMessageContaining("not a whole listing page");
	}

	@Test
	void aListingWhoseAnswerIsCutFailsRatherThanShowNoBackups() throws Exception {
		SqliteBackupTemplate template = template();
		template.backup("app");
		route.fail("GET", listing(), Fault.MALFORMED_RESPONSE_CHUNK);
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> template.list("app"));
		route.fail("GET", listing(), Fault.EMPTY_RESPONSE);
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> template.list("app"))
			.withMessageContaining("connection");
	}

	@Test
	void aKeyWithAControlCharacterIsSkippedAndReportedWhileBackupsGoOn(CapturedOutput output) throws Exception {
		SqliteBackupTemplate template = template();
		Backup first = template.backup("app");
		s3proxy.client().putObject((request) -> request.bucket(this.bucket).key("prod/app/odd\u0001key"),
				RequestBody.fromString("not ours"));
		Backup second = template.backup("app");
		assertThat(template.list("app")).containsExactly(second, first);
		TestDatabases.addNote(this.dataSource, "after");
		template.restore("app", first.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		assertThat(output).containsOnlyOnce("Skipping prod/app/odd\\u0001key");
		assertThat(s3proxy.keys(this.bucket)).contains("prod/app/odd\u0001key");
	}

	@Test
	void aManifestWhoseAnswerWasLostGoesWithTheFailedUpload(CapturedOutput output) throws Exception {
		SqliteBackupTemplate template = template();
		route.loseAnswers("PUT", ".*\\.manifest");
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("connection");
		assertThat(route.count("PUT", ".*\\.manifest")).isGreaterThanOrEqualTo(1);
		route.heal();
		assertThat(s3proxy.keys(this.bucket)).isEmpty();
		assertThat(template.list("app")).isEmpty();
		assertThat(output).doesNotContain("its data object is missing");
	}

	@Test
	void aManifestLeftWithoutItsDataIsReportedOnceAndDeletedByTheNextCleanUp(CapturedOutput output)
			throws Exception {
		SqliteBackupTemplate template = template();
		Backup kept = template.backup("app");
		Backup orphan = template.backup("app");
		s3proxy.client().deleteObject((request) -> request.bucket(this.bucket).key("prod/app/" + orphan.id() + ".sqlite"));
		assertThat(template.list("app")).containsExactly(kept);
		assertThat(template.list("app")).containsExactly(kept);
		assertThat(output).containsOnlyOnce("Skipping manifest prod/app/" + orphan.id() + ".manifest");
		template.cleanUp();
		assertThat(s3proxy.keys(this.bucket)).containsExactly("prod/app/" + kept.id() + ".manifest",
				"prod/app/" + kept.id() + ".sqlite");
	}

	@Test
	void aDownloadThatEndsShortIsBlamedOnTheConnection() throws Exception {
		SqliteBackupTemplate template = template();
		Backup backup = template.backup("app");
		route.answer("GET", ".*\\.sqlite", 200, "");
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> template.getStore().open(backup))
			.withMessageContaining("the connection ended after 0 of the " + backup.sizeBytes() + " bytes");
	}

	@Test
	void aMultipartUploadWhoseStartIsAnsweredEmptySaysTheAnswerWasBroken() throws Exception {
		TestDatabases.execute(this.dataSource, "create table blob_data(b blob)");
		TestDatabases.execute(this.dataSource, "insert into blob_data values (randomblob(7 * 1024 * 1024))");
		SqliteBackupTemplate template = template();
		route.answer("POST", ".*\\?uploads.*", 200, "");
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("held no upload id")
			.withMessageNotContaining("must not be null");
		route.heal();
		assertThat(template.list("app")).isEmpty();
	}

	@Test
	void anUploadAnsweredWithoutAnETagIsNotTakenAsStored() throws Exception {
		SqliteBackupTemplate template = template();
		route.answer("PUT", ".*\\.sqlite", 200, "");
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("held no ETag, so nothing says it was stored");
		route.heal();
		template.cleanUp();
		assertThat(s3proxy.keys(this.bucket)).isEmpty();
	}

	@Test
	void anAnswerThatIsNotAnS3ErrorIsCalledBroken() {
		SqliteBackupTemplate template = template();
		route.answer("PUT", ".*\\.sqlite", 400, "");
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("the bucket's answer was broken (HTTP status 400 and no S3 error in it)");
	}

	@Test
	void withKeepLocalABackupIsKeptLocallyFirstWhileTheBucketIsSlow() throws Exception {
		SqliteBackupTemplate template = keepLocalTemplate();
		route.dribble("GET", ".*", MUCH_LATER);
		route.delay("PUT", ".*", MUCH_LATER);
		long started = System.nanoTime();
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("is kept in " + this.temp.resolve("backups"))
			.withMessageContaining("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(BOUND);
		assertThat(new dev.sqlitebackup.store.LocalDirectoryBackupStore(this.temp.resolve("backups")).list("app"))
			.hasSize(1);
	}

	@Test
	void withKeepLocalARestoreWhoseLocalCopyIsDamagedUsesTheBucketsCopy(CapturedOutput output) throws Exception {
		SqliteBackupTemplate template = keepLocalTemplate();
		Backup backup = template.backup("app");
		Path localCopy = this.temp.resolve("backups/app/" + backup.id() + ".sqlite");
		byte[] bytes = Files.readAllBytes(localCopy);
		bytes[bytes.length - 100] ^= 0x01;
		Files.write(localCopy, bytes);
		TestDatabases.addNote(this.dataSource, "after the backup");
		template.restore("app", backup.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		assertThat(output).contains("The copy of backup " + backup.id() + " of database 'app' in "
				+ this.temp.resolve("backups") + " failed its check");
	}

	private SqliteBackupTemplate keepLocalTemplate() {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new dev.sqlitebackup.store.OffsiteCopyBackupStore(
						new dev.sqlitebackup.store.LocalDirectoryBackupStore(this.temp.resolve("backups")), bucketStore(),
						2),
				BackupOptions.defaults());
	}

	private S3BackupStore bucketStore() {
		return new S3BackupStore(client, this.bucket, "prod", this.temp.resolve("staging"), S3BackupStore.MIN_PART_SIZE,
				null, new S3Timeouts(CALL_TIMEOUT, 64L * 1024 * 1024));
	}

	@Test
	void aBackupWhoseCleanUpWaitsOnASlowBucketIsDatedAfterTheRowsWrittenMeanwhile() throws Exception {
		TestDatabases.execute(this.dataSource, "CREATE TABLE item (written TEXT)");
		SqliteBackupTemplate template = template();
		route.delay("GET", ".*\\?uploads.*", Duration.ofMillis(1500));
		CompletableFuture<Backup> backup = CompletableFuture.supplyAsync(() -> template.backup("app"));
		Thread.sleep(500);
		Instant written = Instant.now();
		TestDatabases.execute(this.dataSource, "INSERT INTO item VALUES ('" + written + "')");
		Backup taken = backup.get(30, TimeUnit.SECONDS);
		assertThat(taken.createdAt()).as("the backup's date").isAfterOrEqualTo(written.truncatedTo(ChronoUnit.MILLIS));
		TestDatabases.execute(this.dataSource, "DELETE FROM item");
		template.restore("app", taken.id(), false);
		try (Connection connection = this.dataSource.getConnection()) {
			assertThat(TestDatabases.queryText(connection, "SELECT written FROM item")).isEqualTo(written.toString());
		}
	}

	@Test
	void underRandomFaultsEveryBackupIsEitherListedWholeOrFailedAndGone() throws Exception {
		long seed = System.nanoTime();
		Random random = new Random(seed);
		String[][] targets = { { "PUT", ".*\\.uploading" }, { "PUT", ".*\\.sqlite" }, { "PUT", ".*\\.manifest" },
				{ "GET", ".*\\?uploads.*" }, { "GET", listing() }, { "DELETE", ".*\\.uploading" } };
		SqliteBackupTemplate template = template();
		List<Backup> succeeded = new ArrayList<>();
		List<String> failures = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			TestDatabases.addNote(this.dataSource, "note " + i);
			route.heal();
			String[] target = targets[random.nextInt(targets.length)];
			switch (random.nextInt(5)) {
				case 0 -> route.fail(target[0], target[1], Fault.CONNECTION_RESET_BY_PEER);
				case 1 -> route.loseAnswers(target[0], target[1]);
				case 2 -> route.dribble(target[0], target[1], MUCH_LATER);
				case 3 -> route.answer(target[0], target[1], 200, "");
				default -> route.answer(target[0], target[1], 503, "");
			}
			try {
				succeeded.add(template.backup("app"));
			}
			catch (BackupFailedException ex) {
				failures.add(ex.getMessage());
			}
		}
		route.heal();
		template.cleanUp();
		String seen = "seed " + seed + ", failures " + failures;
		List<Backup> listed = template.list("app");
		assertThat(listed).as(seen).containsExactlyInAnyOrderElementsOf(succeeded);
		for (Backup backup : listed) {
			assertThat(template.verify("app", backup.id()).problems()).as(seen).isEmpty();
		}
		assertThat(s3proxy.keys(this.bucket)).as(seen)
			.containsExactlyInAnyOrderElementsOf(listed.stream()
				.flatMap((backup) -> Stream.of("prod/app/" + backup.id() + ".manifest", "prod/app/" + backup.id() + ".sqlite"))
				.toList());
		assertThat(failures).as(seen).allSatisfy((message) -> assertThat(message).contains("app"));
	}

	private String listing() {
		return LISTING.formatted(this.bucket);
	}

	private SqliteBackupTemplate template() {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				bucketStore(), BackupOptions.defaults());
	}

	private List<Path> localStagingFiles() throws IOException {
		Path staging = this.temp.resolve("staging/app/.staging");
		if (!Files.isDirectory(staging)) {
			return List.of();
		}
		try (var files = Files.list(staging)) {
			return files.toList();
		}
	}

}
