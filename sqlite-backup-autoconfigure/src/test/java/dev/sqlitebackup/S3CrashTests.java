package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process backing up to a real S3-compatible server (S3Proxy), into the bucket alone or behind
 * local copies, is killed with SIGKILL before chosen S3 calls and in the middle of a multipart
 * upload. Afterwards clean-up leaves the bucket holding exactly the listed backups (no parts, no
 * data object without its manifest, no upload marker), every listed backup verifies, and the next
 * backup succeeds and also uploads any local backup the bucket lacks.
 */
class S3CrashTests {

	/** About 16 MB: four parts of S3's minimum size. */
	private static final int PADDING = 80_000;

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static int buckets;

	@TempDir
	Path temp;

	private String bucket;

	static Stream<KillPoint> killPoints() {
		List<KillPoint> points = new ArrayList<>();
		for (int keepLocal : new int[] { 0, 2 }) {
			points.addAll(List.of(KillPoint.pausedAt("S3 putObject 1", keepLocal),
					KillPoint.pausedAt("S3 uploadPart 3", keepLocal), KillPoint.after("S3 uploadPart 1", 20, keepLocal),
					KillPoint.pausedAt("S3 completeMultipartUpload 1", keepLocal),
					KillPoint.pausedAt("S3 putObject 2", keepLocal), KillPoint.pausedAt("S3 deleteObject 1", keepLocal)));
		}
		return points.stream();
	}

	/** The store under test: the bucket alone, or behind the newest {@code keepLocal} local copies. */
	static BackupStore store(S3Client s3, String bucket, Path backups, int keepLocal) {
		BackupStore inBucket = new S3BackupStore(s3, bucket, "crash", backups, S3BackupStore.MIN_PART_SIZE);
		return (keepLocal == 0) ? inBucket
				: new OffsiteCopyBackupStore(new LocalDirectoryBackupStore(backups), inBucket, keepLocal);
	}

	@AfterEach
	void emptyBucket() {
		// The server keeps objects in its memory.
		for (S3Object object : s3proxy.client().listObjectsV2Paginator((request) -> request.bucket(this.bucket)).contents()) {
			s3proxy.client().deleteObject((request) -> request.bucket(this.bucket).key(object.key()));
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("killPoints")
	void backupKilledAtAnyPointLeavesOnlyWholeBackupsAndTheNextBackupSucceeds(KillPoint point) throws Exception {
		this.bucket = "crash-" + (++buckets);
		String bucket = this.bucket;
		s3proxy.client().createBucket((request) -> request.bucket(bucket));
		Path database = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		DataSource dataSource = TestDatabases.plain(database, Mode.WAL);
		TestDatabases.createAccounts(dataSource, PADDING);
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				store(s3proxy.client(), bucket, backups, point.keepLocal()), BackupOptions.defaults());
		Backup earlier = template.backup("app");

		killChildAt(point, database, backups, bucket);

		template.cleanUp();
		assertThat(s3proxy.client().listMultipartUploads((request) -> request.bucket(bucket)).uploads()).isEmpty();
		List<Backup> listed = template.list("app");
		assertThat(listed).contains(earlier);
		for (Backup backup : listed) {
			assertThat(template.verify("app", backup.id()).problems()).as("problems of " + backup.id()).isEmpty();
		}
		S3BackupStore bucketStore = new S3BackupStore(s3proxy.client(), bucket, "crash", backups, S3BackupStore.MIN_PART_SIZE);
		assertThat(s3proxy.keys(bucket)).containsExactlyInAnyOrderElementsOf(objectsOf(bucketStore.list("app")));
		Backup next = template.backup("app");
		assertThat(template.verify("app", next.id()).valid()).isTrue();
		assertThat(bucketStore.list("app")).as("everything is in the bucket after the next backup")
			.containsExactlyInAnyOrderElementsOf(template.list("app"));
		assertThat(Files.list(backups.resolve("app/.staging")).count()).isZero();
	}

	private void killChildAt(KillPoint point, Path database, Path backups, String bucket) throws Exception {
		CrashTests.killChild(S3CrashChild.class,
				List.of(database.toString(), backups.toString(), s3proxy.server().endpoint().toString(), bucket,
						String.valueOf(point.keepLocal()), point.paused() ? point.marker() : "-"),
				point.marker(), point.paused(), point.delayMillis());
	}


	private static List<String> objectsOf(List<Backup> backups) {
		List<String> keys = new ArrayList<>();
		for (Backup backup : backups) {
			keys.add("crash/app/" + backup.id() + ".manifest");
			keys.add("crash/app/" + backup.id() + ".sqlite");
		}
		return keys;
	}

	/** Where to kill the child: paused before an S3 call, or some milliseconds after one while it runs on. */
	record KillPoint(String marker, boolean paused, long delayMillis, int keepLocal) {

		static KillPoint pausedAt(String marker, int keepLocal) {
			return new KillPoint(marker, true, 0, keepLocal);
		}

		static KillPoint after(String marker, long delayMillis, int keepLocal) {
			return new KillPoint(marker, false, delayMillis, keepLocal);
		}

		@Override
		public String toString() {
			return (this.paused ? "before " : this.delayMillis + " ms after ") + this.marker
					+ ((this.keepLocal == 0) ? " (bucket only)" : " (keep-local " + this.keepLocal + ")");
		}

	}

}
