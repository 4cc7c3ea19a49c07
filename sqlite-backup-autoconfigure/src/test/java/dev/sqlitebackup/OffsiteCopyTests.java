package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.entry;

/**
 * Newest backups kept locally and every backup copied to a real S3-compatible server (S3Proxy on
 * loopback). An unreachable bucket is played by the same server with a wrong secret key.
 */
class OffsiteCopyTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static S3Client wrongSecretClient;

	private static final AtomicInteger buckets = new AtomicInteger();

	@TempDir
	Path temp;

	private String bucket;

	private DataSource dataSource;

	private LocalDirectoryBackupStore local;

	@BeforeAll
	static void connectWithAWrongSecret() {
		wrongSecretClient = s3proxy.server().client(S3ProxyServer.ACCESS_KEY, "not-the-secret");
	}

	@AfterAll
	static void closeWrongSecretClient() {
		if (wrongSecretClient != null) {
			wrongSecretClient.close();
		}
	}

	@BeforeEach
	void createBucketAndDatabase() throws Exception {
		this.bucket = "offsite-" + buckets.incrementAndGet();
		s3proxy.client().createBucket((request) -> request.bucket(this.bucket));
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "first");
		this.local = new LocalDirectoryBackupStore(this.temp.resolve("backups"));
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupIsKeptLocallyAndCopiedToTheBucket() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 3);
		Backup backup = template.backup("app");

		assertThat(this.local.list("app")).containsExactly(backup);
		assertThat(bucketStore(s3proxy.client()).list("app")).containsExactly(backup);
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(keys()).containsExactly("prod/app/" + backup.id() + ".manifest",
				"prod/app/" + backup.id() + ".sqlite");
		assertThat(stagingFiles()).isEmpty();
	}

	@Test
	void copyInTheBucketHasTheSameBytesAsTheLocalCopy() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 3, new StoredForm(BackupCodec.ZSTD, null));
		Backup backup = template.backup("app");

		byte[] uploaded = s3proxy.client()
			.getObjectAsBytes((request) -> request.bucket(this.bucket).key("prod/app/" + backup.id() + ".sqlite.zst"))
			.asByteArray();
		try (BackupStore.StoredBackupFile file = this.local.open(backup)) {
			assertThat(uploaded).isEqualTo(Files.readAllBytes(file.path()));
		}
	}

	@Test
	void onlyTheNewestBackupsStayLocalWhileTheBucketKeepsEveryOne() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 2);
		Backup first = template.backup("app");
		Backup second = template.backup("app");
		Backup third = template.backup("app");
		Backup fourth = template.backup("app");

		assertThat(this.local.list("app")).containsExactly(fourth, third);
		assertThat(bucketStore(s3proxy.client()).list("app")).containsExactly(fourth, third, second, first);
		assertThat(template.list("app")).containsExactly(fourth, third, second, first);
	}

	@Test
	void locationsSayWhichBackupsAreKeptWhere() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 1);
		Backup older = template.backup("app");
		Backup newer = template.backup("app");

		assertThat(template.locations("app")).containsOnly(entry(newer.id(), List.of("local", "s3")),
				entry(older.id(), List.of("s3")));
	}

	@Test
	void backupNoLongerKeptLocallyIsRestoredFromTheBucket() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 1);
		Backup old = template.backup("app");
		TestDatabases.addNote(this.dataSource, "second");
		template.backup("app");
		assertThat(this.local.find("app", old.id())).isEmpty();

		template.restore("app", old.id(), false);

		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first");
		assertThat(stagingFiles()).isEmpty();
	}

	@Test
	void failedUploadFailsTheBackupButKeepsItsLocalCopyAndSaysSo() throws Exception {
		SqliteBackupTemplate unreachable = template(wrongSecretClient, 3);

		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> unreachable.backup("app"))
			.withMessageContaining("is kept in " + this.temp.resolve("backups"))
			.withMessageContaining("is not off-site: copying it to s3://" + this.bucket + "/prod/ failed")
			.withMessageContaining("check the access key and secret key");
		assertThat(this.local.list("app")).hasSize(1);
		assertThat(keys()).isEmpty();
	}

	@Test
	void nextBackupUploadsWhatAnEarlierBackupCouldNot() throws Exception {
		SqliteBackupTemplate unreachable = template(wrongSecretClient, 3);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> unreachable.backup("app"));
		Backup missed = this.local.list("app").get(0);

		Backup next = template(s3proxy.client(), 3).backup("app");

		assertThat(bucketStore(s3proxy.client()).list("app")).containsExactly(next, missed);
	}

	@Test
	void localCopyIsNotRemovedWhileTheBucketLacksIt() throws Exception {
		SqliteBackupTemplate unreachable = template(wrongSecretClient, 1);
		for (int i = 0; i < 3; i++) {
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> unreachable.backup("app"));
		}
		assertThat(this.local.list("app")).hasSize(3);

		Backup next = template(s3proxy.client(), 1).backup("app");

		assertThat(this.local.list("app")).containsExactly(next);
		assertThat(bucketStore(s3proxy.client()).list("app")).hasSize(4);
	}

	@Test
	void recentBackupIsRestoredWhileTheBucketIsUnreachable() throws Exception {
		Backup backup = template(s3proxy.client(), 3).backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");
		SqliteBackupTemplate unreachable = template(wrongSecretClient, 3);

		RestoreResult result = unreachable.restore("app", backup.id());

		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first");
		assertThat(this.local.find("app", result.safetyBackupId())).as("the safety backup, kept locally").isPresent();
		Backup next = template(s3proxy.client(), 3).backup("app");
		assertThat(bucketStore(s3proxy.client()).list("app")).extracting(Backup::id)
			.containsExactly(next.id(), result.safetyBackupId(), backup.id());
	}

	@Test
	void listingNeedsTheBucketRatherThanShowAHistoryWithHoles() throws Exception {
		template(s3proxy.client(), 3).backup("app");
		SqliteBackupTemplate unreachable = template(wrongSecretClient, 3);

		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> unreachable.list("app"))
			.withMessageContaining("Cannot list backups in s3://" + this.bucket + "/prod/");
	}

	@Test
	void retentionDeletesBackupsFromBothPlaces() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 3);
		Backup first = template.backup("app");
		Backup second = template.backup("app");
		Backup third = template.backup("app");

		List<Backup> deleted = template.prune("app", new RetentionPolicy(1, null));

		assertThat(deleted).containsExactlyInAnyOrder(first, second);
		assertThat(this.local.list("app")).containsExactly(third);
		assertThat(bucketStore(s3proxy.client()).list("app")).containsExactly(third);
		assertThat(keys()).containsExactly("prod/app/" + third.id() + ".manifest",
				"prod/app/" + third.id() + ".sqlite");
	}

	@Test
	void prunedBackupIsNotUploadedAgainByTheNextBackup() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), 3);
		Backup first = template.backup("app");
		template.backup("app");
		template.delete("app", first.id());

		template.backup("app");

		assertThat(template.list("app")).extracting(Backup::id).doesNotContain(first.id());
		assertThat(keys()).noneMatch((key) -> key.contains(first.id()));
	}

	private SqliteBackupTemplate template(S3Client s3, int keepLocal) {
		return template(s3, keepLocal, StoredForm.PLAIN);
	}

	private SqliteBackupTemplate template(S3Client s3, int keepLocal, StoredForm form) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new OffsiteCopyBackupStore(this.local, bucketStore(s3), keepLocal),
				BackupOptions.defaults().withStoredForm(form));
	}

	private S3BackupStore bucketStore(S3Client s3) {
		return new S3BackupStore(s3, this.bucket, "prod", this.temp.resolve("backups"), S3BackupStore.MIN_PART_SIZE);
	}

	private List<String> keys() {
		return s3proxy.keys(this.bucket);
	}

	private List<Path> stagingFiles() throws IOException {
		Path staging = this.temp.resolve("backups/app/.staging");
		if (!Files.isDirectory(staging)) {
			return List.of();
		}
		try (var files = Files.list(staging)) {
			return files.toList();
		}
	}

}
