package dev.sqlitebackup.autoconfigure;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * S3-compatible object storage for backups. Setting a bucket turns it on; it needs
 * software.amazon.awssdk:s3. By default backups then live only in the bucket and the local
 * directory holds copies in progress; keep-local also keeps the newest backups locally.
 */
public class SqliteBackupS3Properties {

	/**
	 * Bucket to keep backups in.
	 */
	private @Nullable String bucket;

	/**
	 * Key prefix of every backup, such as "prod/"; each database gets a folder under it.
	 */
	private String prefix = "";

	/**
	 * Region of the bucket. Unset means the AWS SDK's default region chain, or "us-east-1"
	 * when an endpoint is set.
	 */
	private @Nullable String region;

	/**
	 * Endpoint of an S3-compatible service (MinIO, Ceph, R2, ...), instead of AWS.
	 */
	private @Nullable URI endpoint;

	/**
	 * Whether to address the bucket in the path rather than in the host name, as most
	 * S3-compatible services need.
	 */
	private boolean pathStyleAccess;

	/**
	 * Access key id. Unset means the AWS SDK's default credentials chain (environment,
	 * profile, instance or container role).
	 */
	private @Nullable String accessKey;

	/**
	 * Secret access key, with access-key.
	 */
	private @Nullable String secretKey;

	/**
	 * Size of each part of a multipart upload; smaller backups are uploaded in one request.
	 */
	private DataSize partSize = DataSize.ofMegabytes(128);

	/**
	 * How many of each database's newest backups to keep in the local directory as well as in
	 * the bucket, for fast restores that do not need the bucket. 0 keeps backups only in the
	 * bucket. Retention applies to all backups; a local copy is removed only once the bucket has
	 * the backup, and one whose upload failed is uploaded by the next backup.
	 */
	private int keepLocal;

	/**
	 * Storage class of the backups' data objects, such as STANDARD_IA, ONEZONE_IA,
	 * INTELLIGENT_TIERING or GLACIER_IR. Unset uses the bucket's default. Manifests always use
	 * the default; archive classes (GLACIER, DEEP_ARCHIVE) are refused, since a restore could not
	 * read them at once.
	 */
	private @Nullable String storageClass;

	/**
	 * Longest time one request to the bucket may take, retries included, when it moves no backup
	 * data: a page of a listing, a manifest, a delete. A bucket that answers slowly, or one byte at
	 * a time, then fails the operation with a clear message instead of hanging it.
	 */
	private Duration callTimeout = Duration.ofSeconds(30);

	/**
	 * Slowest upload or download of backup data that is let go on, per second: moving n bytes may
	 * take call-timeout plus n at this rate (a 1 GB backup at the default 1MB: about 17 minutes).
	 */
	private DataSize minTransferRate = DataSize.ofMegabytes(1);

	public @Nullable String getBucket() {
		return this.bucket;
	}

	public void setBucket(@Nullable String bucket) {
		this.bucket = bucket;
	}

	public String getPrefix() {
		return this.prefix;
	}

	public void setPrefix(String prefix) {
		this.prefix = prefix;
	}

	public @Nullable String getRegion() {
		return this.region;
	}

	public void setRegion(@Nullable String region) {
		this.region = region;
	}

	public @Nullable URI getEndpoint() {
		return this.endpoint;
	}

	public void setEndpoint(@Nullable URI endpoint) {
		this.endpoint = endpoint;
	}

	public boolean isPathStyleAccess() {
		return this.pathStyleAccess;
	}

	public void setPathStyleAccess(boolean pathStyleAccess) {
		this.pathStyleAccess = pathStyleAccess;
	}

	public @Nullable String getAccessKey() {
		return this.accessKey;
	}

	public void setAccessKey(@Nullable String accessKey) {
		this.accessKey = accessKey;
	}

	public @Nullable String getSecretKey() {
		return this.secretKey;
	}

	public void setSecretKey(@Nullable String secretKey) {
		this.secretKey = secretKey;
	}

	public DataSize getPartSize() {
		return this.partSize;
	}

	public void setPartSize(DataSize partSize) {
		this.partSize = partSize;
	}

	public @Nullable String getStorageClass() {
		return this.storageClass;
	}

	public void setStorageClass(@Nullable String storageClass) {
		this.storageClass = storageClass;
	}

	public int getKeepLocal() {
		return this.keepLocal;
	}

	public void setKeepLocal(int keepLocal) {
		this.keepLocal = keepLocal;
	}

	@Override
	public String toString() {
		// Never the secret key.
		return "S3[bucket=" + this.bucket + ", prefix=" + this.prefix + ", region=" + this.region + ", endpoint="
				+ this.endpoint + ", keepLocal=" + this.keepLocal + "]";
	}

	public Duration getCallTimeout() {
		return this.callTimeout;
	}

	public void setCallTimeout(Duration callTimeout) {
		this.callTimeout = callTimeout;
	}

	public DataSize getMinTransferRate() {
		return this.minTransferRate;
	}

	public void setMinTransferRate(DataSize minTransferRate) {
		this.minTransferRate = minTransferRate;
	}

}
