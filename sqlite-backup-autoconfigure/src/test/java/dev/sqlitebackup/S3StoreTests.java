package dev.sqlitebackup;

import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The S3 store against a real S3-compatible server (S3Proxy) started on loopback. */
class S3StoreTests {

	private static final long PART_SIZE = S3BackupStore.MIN_PART_SIZE;

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static final AtomicInteger buckets = new AtomicInteger();

	@TempDir
	Path temp;

	private String bucket;

	private DataSource dataSource;

	@BeforeEach
	void createBucketAndDatabase() throws Exception {
		this.bucket = "backups-" + buckets.incrementAndGet();
		s3proxy.client().createBucket((request) -> request.bucket(this.bucket));
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "first", "second");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupIsUploadedListedVerifiedAndRestored() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");

		assertThat(keys()).containsExactly("prod/app/" + backup.id() + ".manifest", "prod/app/" + backup.id() + ".sqlite");
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(template.verify("app", backup.id()).valid()).isTrue();
		RestoreResult result = template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		assertThat(template.list("app")).extracting(Backup::id).containsExactly(result.safetyBackupId(), backup.id());
		template.restore("app", result.safetyBackupId(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second", "after the backup");
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void downloadOfAnObjectLargerThanItsManifestSaysIsStopped() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup backup = template.backup("app");
		// Replaced after it was listed: the listing no longer shows it, but a restore already holds it.
		put("prod/app/" + backup.id() + ".sqlite", new byte[(int) backup.sizeBytes() + 4 * 1024 * 1024]);
		assertThatExceptionOfType(IOException.class).isThrownBy(() -> template.getStore().open(backup))
			.withMessageContaining("its manifest says " + backup.sizeBytes())
			.withMessageContaining("the download was stopped");
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void objectChangedInTheBucketIsRefusedBeforeTheLiveDatabaseIsTouched() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), new StoredForm(BackupCodec.ZSTD, null));
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "live");
		String key = "prod/app/" + backup.id() + ".sqlite.zst";
		byte[] bytes = s3proxy.client().getObjectAsBytes((request) -> request.bucket(this.bucket).key(key)).asByteArray();
		bytes[bytes.length / 2] ^= 0x01;
		s3proxy.client().putObject((request) -> request.bucket(this.bucket).key(key), RequestBody.fromBytes(bytes));

		assertThat(template.verify("app", backup.id()).problems()).anyMatch((problem) -> problem.contains("SHA-256"));
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", backup.id()))
			.withMessageContaining("SHA-256")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second", "live");
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void largeCompressedEncryptedBackupGoesUpInPartsAndComesBack() throws Exception {
		addRandomData(14);
		StoredForm form = new StoredForm(BackupCodec.ZSTD,
				BackupEncryption.of("k1", EncryptionTests.key(7), Map.of()));
		SqliteBackupTemplate template = template(s3proxy.client(), form);
		Backup backup = template.backup("app");
		assertThat(backup.sizeBytes()).as("needs several parts").isGreaterThan(2 * PART_SIZE);
		S3Object data = s3proxy.client().listObjectsV2((request) -> request.bucket(this.bucket).prefix("prod/app/"))
			.contents()
			.stream()
			.filter((object) -> object.key().endsWith(".sqlite.zst.enc"))
			.findFirst()
			.orElseThrow();
		assertThat(data.size()).isEqualTo(backup.sizeBytes());
		assertThat(data.eTag()).as("multipart ETag").contains("-");

		TestDatabases.addNote(this.dataSource, "after the backup");
		template.restore("app", backup.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
	}

	@Test
	void retentionDeletesOldBackupsFromTheBucket() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), new StoredForm(BackupCodec.GZIP, null));
		Backup first = template.backup("app");
		Backup second = template.backup("app");
		Backup third = template.backup("app");
		List<Backup> deleted = template.prune("app", new RetentionPolicy(1, null));
		assertThat(deleted).extracting(Backup::id).containsExactlyInAnyOrder(first.id(), second.id());
		assertThat(template.list("app")).extracting(Backup::id).containsExactly(third.id());
		assertThat(keys()).containsExactly("prod/app/" + third.id() + ".manifest",
				"prod/app/" + third.id() + ".sqlite.gz");
	}

	@Test
	void uploadInterruptedMidwayLeavesNothingListedAndNoParts() throws Exception {
		addRandomData(14);
		SqliteBackupTemplate good = template(s3proxy.client(), StoredForm.PLAIN);
		Backup earlier = good.backup("app");
		// The connection drops on the second part: the server has received one part by then.
		S3Client failing = failingOnCall(s3proxy.client(), "uploadPart", 2);
		SqliteBackupTemplate template = template(failing, StoredForm.PLAIN);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("Could not upload backup")
			.withMessageContaining("connection reset");
		assertThat(template.list("app")).containsExactly(earlier);
		assertThat(s3proxy.client().listMultipartUploads((request) -> request.bucket(this.bucket)).uploads())
			.as("the partial upload was aborted")
			.isEmpty();
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void leftoversOfACrashAreNotListedAndCleanUpAbortsTheirUploads() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup backup = template.backup("app");
		// What a process killed mid-publish leaves: an unfinished multipart upload, and a data
		// object whose manifest was never written.
		String orphanId = BackupIds.next(java.time.Instant.now());
		String uploadId = s3proxy.client()
			.createMultipartUpload((request) -> request.bucket(this.bucket).key("prod/app/" + orphanId + ".sqlite"))
			.uploadId();
		s3proxy.client().uploadPart((request) -> request.bucket(this.bucket)
			.key("prod/app/" + orphanId + ".sqlite")
			.uploadId(uploadId)
			.partNumber(1), RequestBody.fromBytes(new byte[(int) PART_SIZE]));
		s3proxy.client().putObject((request) -> request.bucket(this.bucket).key("prod/app/" + BackupIds.next(java.time.Instant.now()) + ".sqlite"),
				RequestBody.fromBytes(new byte[4096]));

		assertThat(template.list("app")).containsExactly(backup);
		template.cleanUp();
		assertThat(s3proxy.client().listMultipartUploads((request) -> request.bucket(this.bucket)).uploads()).isEmpty();
		assertThat(template.list("app")).containsExactly(backup);
	}

	@Test
	void cleanUpDeletesTheDataObjectOfAPublishCutShortBeforeItsManifest() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup backup = template.backup("app");
		// What a process killed between the data upload and the manifest leaves behind.
		String cutShort = BackupIds.next(java.time.Instant.now());
		put("prod/app/" + cutShort + ".uploading", new byte[0]);
		put("prod/app/" + cutShort + ".sqlite", new byte[4096]);
		// Bytes without a marker are not this store's to delete.
		String unknown = BackupIds.next(java.time.Instant.now());
		put("prod/app/" + unknown + ".sqlite", new byte[4096]);

		template.cleanUp();

		assertThat(keys()).containsExactly("prod/app/" + backup.id() + ".manifest", "prod/app/" + backup.id() + ".sqlite",
				"prod/app/" + unknown + ".sqlite");
		assertThat(template.list("app")).containsExactly(backup);
	}

	@Test
	void cleanUpKeepsABackupWhoseUploadMarkerOutlivedItsManifest() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup backup = template.backup("app");
		put("prod/app/" + backup.id() + ".uploading", new byte[0]);

		template.cleanUp();

		assertThat(keys()).containsExactly("prod/app/" + backup.id() + ".manifest", "prod/app/" + backup.id() + ".sqlite");
		assertThat(template.list("app")).containsExactly(backup);
	}

	@Test
	void manifestUploadThatFailsLeavesNoDataObjectBehind() throws Exception {
		SqliteBackupTemplate good = template(s3proxy.client(), StoredForm.PLAIN);
		Backup earlier = good.backup("app");
		// putObject calls: the upload marker, the data object, then the manifest.
		SqliteBackupTemplate template = template(failingOnCall(s3proxy.client(), "putObject", 3), StoredForm.PLAIN);

		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("Could not upload backup");

		assertThat(keys()).containsExactly("prod/app/" + earlier.id() + ".manifest",
				"prod/app/" + earlier.id() + ".sqlite");
		assertThat(localStagingFiles()).isEmpty();
	}

	@Test
	void dataObjectsGoInTheConfiguredStorageClassAndManifestsInTheDefault() throws Exception {
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new S3BackupStore(s3proxy.client(), this.bucket, "prod", this.temp.resolve("staging"), PART_SIZE, "STANDARD_IA"),
				BackupOptions.defaults());
		Backup backup = template.backup("app");

		assertThat(storageClassOf("prod/app/" + backup.id() + ".sqlite")).isEqualTo("STANDARD_IA");
		assertThat(storageClassOf("prod/app/" + backup.id() + ".manifest")).isIn(null, "STANDARD");
	}

	@Test
	void multipartUploadsAskForTheConfiguredStorageClass() throws Exception {
		// S3Proxy stores a completed multipart upload in its default class whatever was asked, so
		// this checks the request the store sends, on its way to the real s3proxy.server().
		List<CreateMultipartUploadRequest> requests = new CopyOnWriteArrayList<>();
		S3Client recording = (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(),
				new Class<?>[] { S3Client.class }, (proxy, invoked, args) -> {
					if (invoked.getName().equals("createMultipartUpload")) {
						requests.add((args[0] instanceof CreateMultipartUploadRequest request) ? request : built(args[0]));
					}
					try {
						return invoked.invoke(s3proxy.client(), args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
		addRandomData(12);
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new S3BackupStore(recording, this.bucket, "prod", this.temp.resolve("staging"), PART_SIZE,
						"GLACIER_IR"),
				BackupOptions.defaults());

		Backup backup = template.backup("app");

		assertThat(requests).singleElement()
			.satisfies((request) -> assertThat(request.storageClassAsString()).isEqualTo("GLACIER_IR"));
		assertThat(template.verify("app", backup.id()).valid()).isTrue();
	}

	/** The request a call made with a request builder's consumer, as the SDK's own default methods build it. */
	@SuppressWarnings("unchecked")
	private static CreateMultipartUploadRequest built(Object consumer) {
		CreateMultipartUploadRequest.Builder builder = CreateMultipartUploadRequest.builder();
		((Consumer<CreateMultipartUploadRequest.Builder>) consumer).accept(builder);
		return builder.build();
	}

	@Test
	void archiveStorageClassesAreRefused() {
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new S3BackupStore(s3proxy.client(), this.bucket, "prod", this.temp, PART_SIZE, "DEEP_ARCHIVE"))
			.withMessageContaining("GLACIER_IR");
		assertThatExceptionOfType(IllegalArgumentException.class)
			.isThrownBy(() -> new S3BackupStore(s3proxy.client(), this.bucket, "prod", this.temp, PART_SIZE, "CHEAP"))
			.withMessageContaining("Unknown S3 storage class 'CHEAP'");
	}

	@Test
	void listingDownloadsEachManifestOnlyOnce() throws Exception {
		Map<String, AtomicInteger> calls = new java.util.concurrent.ConcurrentHashMap<>();
		S3Client counting = (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(),
				new Class<?>[] { S3Client.class }, (proxy, invoked, args) -> {
					calls.computeIfAbsent(invoked.getName(), (name) -> new AtomicInteger()).incrementAndGet();
					try {
						return invoked.invoke(s3proxy.client(), args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
		SqliteBackupTemplate template = template(counting, StoredForm.PLAIN);
		Backup first = template.backup("app");
		Backup second = template.backup("app");
		for (int i = 0; i < 5; i++) {
			assertThat(template.list("app")).containsExactly(second, first);
		}
		assertThat(calls.get("getObjectAsBytes")).hasValue(2);
		template.delete("app", first.id());
		assertThat(template.list("app")).containsExactly(second);
	}

	@Test
	void manifestObjectLargerThanAnyManifestIsSkippedAndTheRestListed() throws Exception {
		SqliteBackupTemplate template = template(s3proxy.client(), StoredForm.PLAIN);
		Backup kept = template.backup("app");
		Backup padded = template.backup("app");
		String key = "prod/app/" + padded.id() + ".manifest";
		String manifest = s3proxy.client()
			.getObjectAsBytes((request) -> request.bucket(this.bucket).key(key))
			.asUtf8String();
		put(key, (manifest + "#" + "x".repeat(100 * 1024) + "\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

		assertThat(template(s3proxy.client(), StoredForm.PLAIN).list("app")).containsExactly(kept);
	}

	@Test
	void wrongCredentialsFailWithAClearMessage() throws Exception {
		try (S3Client wrong = s3proxy.server().client(S3ProxyServer.ACCESS_KEY, "not-the-secret")) {
			SqliteBackupTemplate template = template(wrong, StoredForm.PLAIN);
			assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
				.withMessageContaining("HTTP 403")
				.withMessageContaining("check the access key and secret key");
			assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> template.list("app"))
				.withMessageContaining("Cannot list backups in s3://" + this.bucket + "/prod/")
				.withMessageContaining("check the access key and secret key");
		}
		assertThat(keys()).isEmpty();
	}

	@Test
	void missingBucketFailsWithAClearMessage() {
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new S3BackupStore(s3proxy.client(), "no-such-bucket", "prod", this.temp.resolve("staging"), PART_SIZE),
				BackupOptions.defaults());
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("NoSuchBucket");
	}

	private SqliteBackupTemplate template(S3Client s3, StoredForm form) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new S3BackupStore(s3, this.bucket, "prod", this.temp.resolve("staging"), PART_SIZE),
				BackupOptions.defaults().withStoredForm(form));
	}

	private String storageClassOf(String key) {
		return s3proxy.client().headObject((request) -> request.bucket(this.bucket).key(key)).storageClassAsString();
	}

	private void put(String key, byte[] bytes) {
		s3proxy.client().putObject((request) -> request.bucket(this.bucket).key(key), RequestBody.fromBytes(bytes));
	}

	private List<String> keys() {
		return s3proxy.keys(this.bucket);
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

	private void addRandomData(int mebibytes) throws Exception {
		TestDatabases.execute(this.dataSource, "CREATE TABLE filler (data BLOB)");
		TestDatabases.execute(this.dataSource, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
				+ (mebibytes * 16) + ") INSERT INTO filler SELECT randomblob(65536) FROM n");
	}

	/** The real s3proxy.client(), except that the n-th call of one method fails as a dropped connection would. */
	private static S3Client failingOnCall(S3Client real, String method, int n) {
		AtomicInteger calls = new AtomicInteger();
		InvocationHandler handler = (proxy, invoked, args) -> {
			if (invoked.getName().equals(method) && calls.incrementAndGet() == n) {
				throw SdkClientException.create("Unable to execute HTTP request: connection reset");
			}
			try {
				return invoked.invoke(real, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getCause();
			}
		};
		return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] { S3Client.class },
				handler);
	}

}
