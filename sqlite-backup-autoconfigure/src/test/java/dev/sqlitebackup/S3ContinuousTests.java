package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.s3.FaultyRoute;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;
import dev.sqlitebackup.store.s3.S3Timeouts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Continuous backup into a bucket (S3Proxy): segments and chain heads go up as objects, a restore
 * reads them back, the bucket being away loses no frame, and a steady writer costs at most one
 * write request per pass and no listing.
 */
class S3ContinuousTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static final AtomicInteger buckets = new AtomicInteger();

	private static FaultyRoute route;

	private static S3Client client;

	@TempDir
	Path temp;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T08:00:00Z"));

	private String bucket;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

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
	void createBucketAndDatabase() throws SQLException {
		route.heal();
		this.bucket = "continuous-" + buckets.incrementAndGet();
		s3proxy.client().createBucket((request) -> request.bucket(this.bucket));
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.execute(this.dataSource, "CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL, padding BLOB)");
	}

	@AfterEach
	void close() {
		route.heal();
		if (this.template != null) {
			this.template.stopCapture("app");
		}
		TestDatabases.close(this.dataSource);
	}

	@Test
	void everyCommittedTransactionGoesToTheBucketAndARestoreToLatestEqualsTheLiveDatabase() throws Exception {
		BackupEncryption key = BackupEncryption.of("a", EncryptionTests.key(1), Map.of());
		this.template = template(bucketStore(client, "staging"),
				options().withStoredForm(new StoredForm(BackupCodec.ZSTD, key)));
		capture();
		for (int round = 0; round < 5; round++) {
			for (int i = 0; i < 7; i++) {
				insert("round " + round + " row " + i, 3000);
			}
			TestDatabases.execute(this.dataSource, "UPDATE item SET label = label || '!' WHERE id % 3 = " + round % 3);
			capture();
		}
		Instant shipped = shipEverything();
		List<String> live = dump();
		TestDatabases.execute(this.dataSource, "DELETE FROM item");

		PointInTimeResult result = this.template.restore("app", shipped);

		assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
		assertThat(result.segments()).isEqualTo(5);
		assertThat(integrityCheck()).isEqualTo("ok");
		assertThat(s3proxy.keys(this.bucket)).anyMatch((key2) -> key2.startsWith("backups/app/segments/"))
			.anyMatch((key2) -> key2.startsWith("backups/app/chains/") && key2.endsWith(".head"));
	}

	@Test
	void aRestoreToAnEarlierInstantHasExactlyTheTransactionsCapturedByThen() throws Exception {
		this.template = template(bucketStore(client, "staging"), options());
		capture();
		insert("before", 100);
		capture();
		Instant before = this.clock.instant();
		List<String> then = dump();
		insert("after", 100);
		capture();

		this.template.restore("app", before);

		assertThat(dump()).isEqualTo(then);
		assertThat(CapturedItems.labels(this.dataSource)).containsExactly("before");
	}

	@Test
	void aMachineLostWithOnlyTheBucketLeftRestoresItsLatestCapturedState() throws Exception {
		Path localBackups = this.temp.resolve("local-backups");
		this.template = template(new OffsiteCopyBackupStore(new LocalDirectoryBackupStore(localBackups),
				bucketStore(client, "staging"), 1), options());
		capture();
		for (int i = 0; i < 20; i++) {
			insert("row " + i, 2000);
			if (i % 5 == 4) {
				capture();
			}
		}
		Instant lastCapture = shipEverything();
		List<String> live = dump();
		this.template.stopCapture("app");
		this.template = null;
		TestDatabases.deleteTree(this.temp.resolve("local-backups"));
		TestDatabases.deleteTree(this.temp.resolve("staging"));

		DataSource newMachine = TestDatabases.hikari(this.temp.resolve("new.db"), Mode.WAL);
		try {
			SqliteBackupTemplate fresh = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", newMachine)),
					bucketStore(client, "new-staging"), options(), this.clock);
			Path restored = this.temp.resolve("restored.db");
			fresh.restoreToFile("app", lastCapture, restored);
			DataSource restoredSource = TestDatabases.hikari(restored, Mode.DELETE);
			try {
				assertThat(CapturedItems.dump(restoredSource)).isEqualTo(live);
			}
			finally {
				TestDatabases.close(restoredSource);
			}
		}
		finally {
			TestDatabases.close(newMachine);
		}
	}

	@Test
	void whileTheBucketIsDownTheFramesWaitInTheWalAndGoUpInOrderWhenItIsBack() throws Exception {
		Path serverDirectory = Files.createDirectories(this.temp.resolve("s3proxy"));
		S3ProxyServer server = S3ProxyServer.startOnDisk(serverDirectory);
		S3Client direct = server.client();
		try {
			direct.createBucket((request) -> request.bucket(this.bucket));
			this.template = template(new S3BackupStore(direct, this.bucket, "backups/", this.temp.resolve("staging"),
					S3BackupStore.MIN_PART_SIZE, null, new S3Timeouts(Duration.ofSeconds(5), 1024 * 1024)), options());
			String chain = capture().chainId();
			insert("before the outage", 500);
			capture();
			server.close();

			insert("during the outage 1", 500);
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(this::capture)
				.withMessageContaining("they stay in the WAL");
			insert("during the outage 2", 50_000);
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(this::capture)
				.withMessageContaining("they stay in the WAL");
			assertThat(this.template.continuousLag("app")).hasValueSatisfying(
					(lag) -> assertThat(lag).isGreaterThanOrEqualTo(Duration.ofSeconds(2)));

			server = server.restart();
			insert("after the outage", 500);
			CaptureResult resumed = capture();
			Instant shipped = shipEverything();
			List<String> live = dump();
			TestDatabases.execute(this.dataSource, "DELETE FROM item");
			this.template.restore("app", shipped);

			assertThat(resumed.chainId()).isEqualTo(chain);
			assertThat(resumed.newChainReason()).isNull();
			assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
			assertThat(CapturedItems.labels(this.dataSource)).containsExactly("before the outage",
					"during the outage 1", "during the outage 2", "after the outage");
		}
		finally {
			if (this.template != null) {
				this.template.stopCapture("app");
				this.template = null;
			}
			direct.close();
			server.close();
		}
	}

	@Test
	void aGracefulRestartGoesOnWithTheSameChainAndUploadsNoNewSnapshot() throws Exception {
		this.template = template(bucketStore(client, "staging"), options());
		String chain = capture().chainId();
		insert("before the restart", 2000);
		capture();
		this.template.stopCapture("app");
		this.template = null;
		TestDatabases.close(this.dataSource);
		List<String> snapshots = s3proxy.keys(this.bucket).stream().filter((key) -> key.endsWith(".sqlite")).toList();

		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		this.template = template(bucketStore(client, "staging"), options());
		CaptureResult first = capture();
		insert("after the restart", 2000);
		Instant shipped = shipEverything();

		assertThat(first.chainId()).isEqualTo(chain);
		assertThat(first.newChainReason()).isNull();
		assertThat(s3proxy.keys(this.bucket).stream().filter((key) -> key.endsWith(".sqlite")).toList())
			.isEqualTo(snapshots);
		List<String> live = dump();
		TestDatabases.execute(this.dataSource, "DELETE FROM item");
		this.template.restore("app", shipped);
		assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
	}

	@Test
	void retentionDeletesTheSegmentsAndHeadOfAChainWhoseSnapshotIsGoneFromTheBucket() throws Exception {
		this.template = template(bucketStore(client, "staging"), options());
		String first = capture().chainId();
		insert("in the first chain", 100);
		capture();
		this.template.stopCapture("app");
		TestDatabases.changeWhileNotCaptured(this.dataSource);
		String second = capture().chainId();
		insert("in the second chain", 100);
		Instant shipped = shipEverything();

		this.template.prune("app", new RetentionPolicy(1, null));

		assertThat(second).isNotEqualTo(first);
		assertThat(s3proxy.keys(this.bucket)).noneMatch((key) -> key.contains(first))
			.anyMatch((key) -> key.startsWith("backups/app/segments/" + second));
		List<String> live = dump();
		TestDatabases.execute(this.dataSource, "DELETE FROM item");
		this.template.restore("app", shipped);
		assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
	}

	@Test
	void aSteadyWriterCostsAtMostOneWritePerPassAndNeverListsTheBucket() throws Exception {
		this.template = template(bucketStore(client, "staging"), options());
		capture();
		route.heal();
		int passes = 240;
		int checkpoints = 0;
		for (int pass = 0; pass < passes; pass++) {
			insert("row " + pass, 16_000);
			if (capture().checkpointed()) {
				checkpoints++;
			}
		}
		int writes = route.count("PUT", "/" + this.bucket + "/.*") + route.count("POST", "/" + this.bucket + "/.*");
		int headWrites = route.count("PUT", "/" + this.bucket + "/backups/app/chains/.*");
		int listings = route.count("GET", "/" + this.bucket + "/?\\?.*");

		assertThat(checkpoints).as("checkpoints").isPositive();
		assertThat(writes).as("write requests in %d passes", passes).isLessThanOrEqualTo(passes);
		assertThat(headWrites).as("head writes").isBetween(2, 5);
		assertThat(listings).as("listings").isZero();
		Instant shipped = shipEverything();
		List<String> live = dump();
		TestDatabases.execute(this.dataSource, "DELETE FROM item");
		this.template.restore("app", shipped);
		assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
	}

	@Test
	void compactionInTheBucketSpendsNoMoreThanOneWritePerPassAndARestoreReadsItsBlocks() throws Exception {
		this.template = template(bucketStore(client, "staging"), options().withCompaction(ContinuousCompactionTests.SMALL));
		capture();
		route.heal();
		int passes = 120;
		for (int pass = 0; pass < passes; pass++) {
			insert("row " + pass, 2_000);
			TestDatabases.execute(this.dataSource, "UPDATE item SET label = label || '+' WHERE id % 5 = " + pass % 5);
			capture();
		}
		int writes = route.count("PUT", "/" + this.bucket + "/.*") + route.count("POST", "/" + this.bucket + "/.*");
		int deletes = route.count("DELETE", "/" + this.bucket + "/.*");
		int listings = route.count("GET", "/" + this.bucket + "/?\\?.*");
		Instant shipped = shipEverything();
		List<String> live = dump();
		TestDatabases.execute(this.dataSource, "DELETE FROM item");

		PointInTimeResult result = this.template.restore("app", shipped);

		assertThat(writes).as("write requests in %d passes", passes).isLessThanOrEqualTo(passes);
		assertThat(listings).as("listings").isZero();
		assertThat(deletes).as("segments thinned out once blocks cover them").isPositive();
		assertThat(s3proxy.keys(this.bucket)).anyMatch((key) -> key.contains("-level-2"));
		assertThat(dump().equals(live)).as("restored rows equal the live ones").isTrue();
		assertThat(result.segments()).as("objects applied on top of the snapshot").isLessThan(20);
	}

	@Test
	void anIdleDatabaseCostsOnlyARareHeartbeat() throws Exception {
		this.template = template(bucketStore(client, "staging"), options());
		capture();
		insert("one", 10);
		capture();
		route.heal();

		for (int pass = 0; pass < 600; pass++) {
			capture();
		}

		assertThat(route.count("PUT", "/" + this.bucket + "/.*")).as("writes in 10 idle minutes").isBetween(1, 3);
		assertThat(route.count("GET", "/" + this.bucket + "/?\\?.*")).as("listings").isZero();
		assertThat(route.count("GET", "/" + this.bucket + "/.*")).as("reads").isLessThanOrEqualTo(3);
	}

	private BackupOptions options() {
		return BackupOptions.defaults().withSafetyBackup(false);
	}

	private S3BackupStore bucketStore(S3Client s3, String staging) {
		return new S3BackupStore(s3, this.bucket, "backups/", this.temp.resolve(staging), S3BackupStore.MIN_PART_SIZE,
				null, new S3Timeouts(Duration.ofSeconds(10), 1024 * 1024));
	}

	private SqliteBackupTemplate template(BackupStore store, BackupOptions options) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)), store, options, this.clock);
	}

	private CaptureResult capture() {
		this.clock.advance(Duration.ofSeconds(1));
		CaptureResult result = this.template.capture("app");
		TestDatabases.awaitCompaction(this.template, "app");
		return result;
	}

	/**
	 * Runs passes until one finds nothing left to ship (a pass may spend its one write on the
	 * chain's head and leave the frames to the next), and answers its instant.
	 */
	private Instant shipEverything() {
		do {
			capture();
		}
		while (!this.template.continuousLag("app").orElseThrow().isZero());
		return this.clock.instant();
	}

	private void insert(String label, int paddingBytes) throws SQLException {
		CapturedItems.insert(this.dataSource, label, paddingBytes);
	}

	private List<String> dump() throws SQLException {
		return CapturedItems.dump(this.dataSource);
	}

	private String integrityCheck() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			return TestDatabases.queryText(connection, "PRAGMA integrity_check");
		}
	}

}
