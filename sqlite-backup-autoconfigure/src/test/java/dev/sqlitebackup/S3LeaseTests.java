package dev.sqlitebackup;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The lease in a bucket (S3Proxy on loopback): the server enforces the conditional writes the
 * lease relies on, and two instances with their own database files on one bucket and prefix
 * capture one at a time.
 */
class S3LeaseTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	private static final String BUCKET = "leases";

	@TempDir
	Path temp;

	private final List<SqliteBackupTemplate> templates = new ArrayList<>();

	private final List<DataSource> dataSources = new ArrayList<>();

	@BeforeAll
	static void createBucket() {
		s3proxy.client().createBucket((request) -> request.bucket(BUCKET));
	}

	@AfterEach
	void stop() {
		this.templates.forEach((template) -> template.stopCapture("app"));
		this.dataSources.forEach(TestDatabases::close);
	}

	@Test
	void theServerRefusesASecondCreateAndASwapFromAStaleEtag() {
		S3Client client = s3proxy.client();
		String key = this.temp.getFileName() + "/conditional";
		String etag = client.putObject((request) -> request.bucket(BUCKET).key(key).ifNoneMatch("*"),
				RequestBody.fromString("first")).eTag();

		assertThatExceptionOfType(S3Exception.class)
			.isThrownBy(() -> client.putObject((request) -> request.bucket(BUCKET).key(key).ifNoneMatch("*"),
					RequestBody.fromString("second")))
			.satisfies((ex) -> assertThat(ex.statusCode()).isEqualTo(412));
		String swapped = client.putObject((request) -> request.bucket(BUCKET).key(key).ifMatch(etag),
				RequestBody.fromString("swapped")).eTag();
		assertThatExceptionOfType(S3Exception.class)
			.isThrownBy(() -> client.putObject((request) -> request.bucket(BUCKET).key(key).ifMatch(etag),
					RequestBody.fromString("stale")))
			.satisfies((ex) -> assertThat(ex.statusCode()).isEqualTo(412));
		assertThat(swapped).isNotEqualTo(etag);
	}

	@Test
	void theBucketsLeaseIsACompareAndSwap() throws Exception {
		S3BackupStore store = store("cas");
		Lease lease = new Lease(Lease.Holder.ofThisProcess(), 1, Instant.now().plusSeconds(15), false);
		String version = store.writeLease("app", lease, null).orElseThrow();

		Lease rival = new Lease(Lease.Holder.ofThisProcess(), 1, lease.expiresAt(), false);
		assertThat(store.writeLease("app", rival, null)).isEmpty();
		Lease renewed = new Lease(lease.holder(), 1, lease.expiresAt().plusSeconds(5), false);
		assertThat(store.writeLease("app", renewed, version)).isPresent();
		Lease stale = new Lease(lease.holder(), 2, lease.expiresAt().plusSeconds(9), false);
		assertThat(store.writeLease("app", stale, version)).isEmpty();
		assertThat(store.readLease("app").orElseThrow().lease()).isEqualTo(renewed);
		assertThat(store.list("app")).isEmpty();
	}

	@Test
	void aConditionalWriteRetriedAfterItLandedIsStillOurs() throws Exception {
		S3BackupStore store = store("retried");
		Lease lease = new Lease(Lease.Holder.ofThisProcess(), 1, Instant.now().plusSeconds(15), false);
		String key = this.temp.getFileName() + "/retried/app/lease";
		String landed = s3proxy.client()
			.putObject((request) -> request.bucket(BUCKET).key(key).ifNoneMatch("*"),
					RequestBody.fromString(lease.toJson()))
			.eTag();

		assertThat(store.writeLease("app", lease, null)).contains(landed);
		Lease renewed = new Lease(lease.holder(), 1, lease.expiresAt().plusSeconds(5), false);
		String swapped = s3proxy.client()
			.putObject((request) -> request.bucket(BUCKET).key(key).ifMatch(landed),
					RequestBody.fromString(renewed.toJson()))
			.eTag();
		assertThat(store.writeLease("app", renewed, landed)).contains(swapped);
		Lease someoneElses = new Lease(Lease.Holder.ofThisProcess(), 2, renewed.expiresAt(), false);
		assertThat(store.writeLease("app", someoneElses, landed)).isEmpty();
	}

	@Test
	void twoInstancesOnOneBucketCaptureOneAtATimeAndACleanStopHandsOverAtOnce() throws Exception {
		SqliteBackupTemplate first = instance("first", "deploy");
		SqliteBackupTemplate second = instance("second", "deploy");

		assertThat(first.capture("app").chainId()).isNotNull();
		assertThat(second.capture("app").isStandby()).isTrue();
		assertThat(second.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(1);

		first.stopCapture("app");
		long started = System.nanoTime();
		CaptureResult takeover = second.capture("app");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
		assertThat(takeover.isStandby()).isFalse();
		assertThat(second.continuousStatus("app").orElseThrow().lease().epoch()).isEqualTo(2);
	}

	private S3BackupStore store(String prefix) {
		return new S3BackupStore(s3proxy.client(), BUCKET, this.temp.getFileName() + "/" + prefix,
				this.temp.resolve("staging-" + prefix + "-" + this.templates.size()), S3BackupStore.MIN_PART_SIZE);
	}

	private SqliteBackupTemplate instance(String name, String prefix) throws Exception {
		DataSource dataSource = TestDatabases.hikari(this.temp.resolve(name + ".db"), Mode.WAL);
		this.dataSources.add(dataSource);
		TestDatabases.execute(dataSource, "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				store(prefix), BackupOptions.defaults().withSafetyBackup(false).withLeaseDuration(Duration.ofSeconds(15)));
		this.templates.add(template);
		return template;
	}

}
