package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.StorageClass;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.StoreFolderUnusableException;
import dev.sqlitebackup.store.BackupFileNames;
import dev.sqlitebackup.store.FileLocks;
import dev.sqlitebackup.store.StoreFiles;
import dev.sqlitebackup.store.UnsafeStorePathException;
import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * Keeps backups in an S3 bucket: {@code <prefix><database>/<id>.sqlite[.zst][.enc]} with the
 * manifest {@code <id>.manifest} beside it, written after the data object, so a backup is
 * listed only once it is complete. Copies are staged, checked and decoded in a local directory;
 * uploads stream from it (multipart above the part size) and downloads stream into it, so no
 * backup is ever held in memory. Continuous backup's segments and chain heads live in the
 * folder's {@code segments/} and {@code chains/} ({@link S3Segments}).
 */
public class S3BackupStore implements BackupStore {

	private static final Logger logger = LoggerFactory.getLogger(S3BackupStore.class);

	static final String DATA_SUFFIX = BackupFileNames.DATA_SUFFIX;

	static final String MANIFEST_SUFFIX = BackupFileNames.MANIFEST_SUFFIX;

	/**
	 * Marks an upload in progress: written before the data object and removed after the manifest,
	 * so that cleanUp can tell the data object of an interrupted publish from bytes it does not own.
	 */
	static final String UPLOADING_SUFFIX = ".uploading";

	/** S3's smallest part size (except the last part). */
	public static final long MIN_PART_SIZE = 5L * 1024 * 1024;

	/** Part size when none is given: large enough for a 1 TiB backup within S3's 10,000 parts. */
	public static final long DEFAULT_PART_SIZE = 128L * 1024 * 1024;

	private final S3Client client;

	private final String bucket;

	private final String prefix;

	private final Path stagingDirectory;

	private final long partSize;

	private final @Nullable StorageClass storageClass;

	private final S3Requests requests;

	private final S3Uploads uploads;

	private final S3Manifests manifests;

	private final S3Segments segments;

	private final S3CleanUp cleanUp;

	/**
	 * A store in a bucket.
	 * @param client client for the bucket's endpoint and credentials; not closed by this store
	 * @param bucket bucket name
	 * @param prefix key prefix ({@code backups/}, say), may be empty
	 * @param stagingDirectory local directory for copies in progress and downloads
	 * @param partSize bytes per part of a multipart upload; smaller files go up in one request
	 */
	public S3BackupStore(S3Client client, String bucket, String prefix, Path stagingDirectory, long partSize) {
		this(client, bucket, prefix, stagingDirectory, partSize, null);
	}

	/**
	 * A store in a bucket that writes backups' data objects in a storage class of their own.
	 * @param client client for the bucket's endpoint and credentials; not closed by this store
	 * @param bucket bucket name
	 * @param prefix key prefix ({@code backups/}, say), may be empty
	 * @param stagingDirectory local directory for copies in progress and downloads
	 * @param partSize bytes per part of a multipart upload; smaller files go up in one request
	 * @param storageClass storage class of the data objects ({@code STANDARD_IA}, say), or
	 * {@code null} for the bucket's default; manifests always use the default, since every listing
	 * reads them. Archive classes are refused: their objects cannot be read without a restore.
	 */
	public S3BackupStore(S3Client client, String bucket, String prefix, Path stagingDirectory, long partSize,
			@Nullable String storageClass) {
		this(client, bucket, prefix, stagingDirectory, partSize, storageClass, S3Timeouts.DEFAULTS);
	}

	/**
	 * A store in a bucket whose every request has a deadline.
	 * @param client client for the bucket's endpoint and credentials; not closed by this store
	 * @param bucket bucket name
	 * @param prefix key prefix ({@code backups/}, say), may be empty
	 * @param stagingDirectory local directory for copies in progress and downloads
	 * @param partSize bytes per part of a multipart upload; smaller files go up in one request
	 * @param storageClass storage class of the data objects, or {@code null} for the bucket's default
	 * @param timeouts how long each request may take, retries included
	 */
	public S3BackupStore(S3Client client, String bucket, String prefix, Path stagingDirectory, long partSize,
			@Nullable String storageClass, S3Timeouts timeouts) {
		this.client = Objects.requireNonNull(client, "client");
		this.bucket = Objects.requireNonNull(bucket, "bucket");
		this.prefix = (prefix.isEmpty() || prefix.endsWith("/")) ? prefix : prefix + "/";
		this.stagingDirectory = stagingDirectory.toAbsolutePath().normalize();
		if (partSize < MIN_PART_SIZE) {
			throw new IllegalArgumentException("partSize must be at least " + MIN_PART_SIZE + " bytes (S3's minimum)");
		}
		this.partSize = partSize;
		this.storageClass = checkedStorageClass(storageClass);
		this.requests = new S3Requests(client, bucket, Objects.requireNonNull(timeouts, "timeouts"), describe());
		this.uploads = new S3Uploads(this.requests, partSize, this.storageClass);
		this.manifests = new S3Manifests(this.requests, describe());
		// Segments are small and read back often: the bucket's default class, never one with a minimum size.
		this.segments = new S3Segments(this.requests, new S3Uploads(this.requests, partSize, null), describe());
		this.cleanUp = new S3CleanUp(this.requests, this.uploads, this.manifests);
		HttpHeaderLogging.keepQuietUnlessAskedFor();
	}

	/**
	 * The storage class a name stands for, {@code null} for none.
	 * @throws IllegalArgumentException for an unknown name or an archive class
	 */
	public static @Nullable StorageClass checkedStorageClass(@Nullable String name) {
		if (name == null || name.isBlank()) {
			return null;
		}
		StorageClass storageClass = StorageClass.fromValue(name.trim());
		if (storageClass == StorageClass.UNKNOWN_TO_SDK_VERSION) {
			throw new IllegalArgumentException("Unknown S3 storage class '" + name + "'; use one of "
					+ StorageClass.knownValues());
		}
		if (storageClass == StorageClass.GLACIER || storageClass == StorageClass.DEEP_ARCHIVE) {
			throw new IllegalArgumentException("S3 storage class " + storageClass + " archives objects so that a "
					+ "restore cannot read them without first asking S3 to bring them back; use GLACIER_IR, "
					+ "STANDARD_IA or ONEZONE_IA for backups that must be restorable at once");
		}
		return storageClass;
	}

	/**
	 * Every backup in the database's folder, newest first. Fails, rather than list fewer backups
	 * than the bucket holds, when a page of the listing or a manifest cannot be read whole; a
	 * manifest that reads whole but is not a manifest of this database is skipped with a warning.
	 */
	@Override
	public List<Backup> list(String database) {
		String folder = folder(database);
		S3FolderListing listing;
		try {
			listing = S3FolderListing.of(this.client, this.bucket, folder, this.requests.call());
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list backups in " + describe() + ": " + explain(ex), ex);
		}
		return this.manifests.backups(database, folder, listing);
	}

	@Override
	public boolean keepsLeases() {
		return true;
	}

	@Override
	public Optional<StoredLease> readLease(String database) throws IOException {
		return new S3Leases(this.requests).read(folder(database));
	}

	@Override
	public Optional<String> writeLease(String database, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		return new S3Leases(this.requests).write(folder(database), lease, expectedVersion);
	}

	/** The folders under the prefix; one LIST request per thousand of them. */
	@Override
	public List<String> databaseNames() {
		List<String> names = new ArrayList<>();
		try {
			for (ListObjectsV2Response page : this.client.listObjectsV2Paginator((request) -> request.bucket(this.bucket)
				.prefix(this.prefix)
				.delimiter("/")
				.overrideConfiguration(this.requests.call()))) {
				page.commonPrefixes().forEach((folder) -> {
					String name = folder.prefix().substring(this.prefix.length());
					name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
					if (!name.isEmpty() && !name.startsWith(".")) {
						names.add(name);
					}
				});
			}
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list the databases in " + describe() + ": " + explain(ex), ex);
		}
		return names.stream().sorted().toList();
	}

	@Override
	public StagingFile newStagingFile(String database, String name) throws IOException {
		Path staging = StoreFiles.ownDirectory(ownDatabaseDirectory(database).resolve(BackupFileNames.STAGING_DIRECTORY));
		Path file = staging.resolve(name + DATA_SUFFIX);
		Files.deleteIfExists(file);
		return StoreFiles.stagingFile(file);
	}

	/**
	 * Uploads the marker, the data object and then the manifest ({@link S3Uploads#publish}); when any
	 * step fails, what it wrote is deleted, manifest first.
	 */
	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		this.uploads.publish(folder(backup.database()), stagingFile, backup, describe());
		return backup;
	}

	/**
	 * Downloads the data object into staging, within a deadline for its size. The download reads
	 * no more than the manifest's size, and one that ends short is the connection's fault, said so.
	 */
	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		Path download = newStagingFile(backup.database(), backup.id() + "-download-" + UUID.randomUUID()).path();
		String what = "backup " + backup.id();
		return S3Download.staged(download, (file) -> S3Download.into(file, this.requests,
				folder(backup.database()) + dataName(backup), null, backup.sizeBytes(), what, describe()), what,
				describe() + "/" + backup.database() + "/" + dataName(backup), describe());
	}

	@Override
	public void delete(Backup backup) throws IOException {
		String folder = folder(backup.database());
		try {
			this.requests.delete(folder + BackupFileNames.manifest(backup.id()));
			this.manifests.forget(folder + BackupFileNames.manifest(backup.id()));
			this.requests.delete(folder + dataName(backup));
		}
		catch (SdkException ex) {
			throw new IOException("Could not delete backup " + backup.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
	}

	/**
	 * Aborts multipart uploads that a crash or failure left unfinished, deletes what interrupted
	 * publishes left in the bucket ({@link S3CleanUp}), and removes local staging leftovers.
	 */
	@Override
	public void cleanUp(String database) throws IOException {
		try {
			this.cleanUp.run(folder(database));
		}
		catch (SdkException ex) {
			throw new IOException("cannot clean up unfinished uploads in " + describe() + ": " + explain(ex), ex);
		}
		Path staging = stagingDirectory(database);
		try {
			if (!StoreFiles.existsAsRealDirectory(staging.getParent())) {
				return;
			}
		}
		catch (UnsafeStorePathException ex) {
			logger.warn("Not cleaning up the staging files of database '{}': {} {}", database, ex.getFile(),
					ex.getReason());
			return;
		}
		StoreFiles.removeStagingLeftovers(staging);
	}

	@Override
	public boolean keepsSegments(String database) {
		return true;
	}

	/** Reads every segment's manifest: only a store whose chains have no head records needs this. */
	@Override
	public List<Segment> listSegments(String database) {
		return this.segments.list(database, folder(database));
	}

	@Override
	public Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
		this.segments.publish(folder(segment.database()), stagingFile, segment);
		return segment;
	}

	@Override
	public StoredBackupFile openSegment(Segment segment) throws IOException {
		Path download = newStagingFile(segment.database(), segment.id() + "-download-" + UUID.randomUUID()).path();
		return S3Download.staged(download, (file) -> this.segments.download(folder(segment.database()), segment, file),
				"segment " + segment.id(), describe() + "/" + segment.database() + "/" + segment.id(), describe());
	}

	@Override
	public Optional<Segment> findSegment(String database, String chainId, long sequence) {
		if (!BackupIds.isWellFormed(chainId) || sequence < 0) {
			return Optional.empty();
		}
		return this.segments.find(database, folder(database), Segment.idOf(chainId, sequence));
	}

	@Override
	public Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		if (!BackupIds.isWellFormed(chainId) || from < 0 || level < 1 || level > 9) {
			return Optional.empty();
		}
		return this.segments.find(database, folder(database), Segment.blockIdOf(chainId, level, from));
	}

	@Override
	public void deleteSegment(Segment segment) throws IOException {
		try {
			this.segments.delete(folder(segment.database()), segment);
		}
		catch (SdkException ex) {
			throw new IOException("Could not delete segment " + segment.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
	}

	@Override
	public void publishChainHead(ChainHead head) throws IOException {
		this.segments.publishHead(folder(head.database()), head);
	}

	@Override
	public Map<String, ChainHead> listChainHeads(String database) {
		return this.segments.heads(database, folder(database));
	}

	@Override
	public Optional<ChainHead> findChainHead(String database, String chainId) {
		return this.segments.head(database, folder(database), chainId);
	}

	@Override
	public void deleteChainHead(String database, String chainId) throws IOException {
		this.segments.deleteHead(folder(database), chainId);
	}

	@Override
	public boolean chainHeadsComplete(String database) {
		return this.segments.headsComplete(folder(database));
	}

	@Override
	public void markChainHeadsComplete(String database) throws IOException {
		this.segments.markHeadsComplete(folder(database));
	}

	/** A bucket bills every request: continuous backup spends them sparingly here. */
	@Override
	public boolean billsRequests(String database) {
		return true;
	}

	/**
	 * Keeps two processes on this machine from capturing the same database into the bucket, with a
	 * lock in the database's local staging folder. Instances on different machines are not kept apart.
	 */
	@Override
	public Optional<StoreLock> tryCaptureLock(String database, String holder) throws IOException {
		return FileLocks.tryLock(ownDatabaseDirectory(database).resolve(".capture-lock"));
	}

	/**
	 * Locks the database's local staging directory, which instances on this machine share. S3 has
	 * no lock: instances on different machines using the same bucket and prefix are not kept apart.
	 */
	@Override
	public Optional<StoreLock> tryLock(String database) throws IOException {
		Path directory;
		try {
			directory = ownDatabaseDirectory(database);
		}
		catch (IOException ex) {
			throw new StoreFolderUnusableException(ex.getMessage(), ex);
		}
		return FileLocks.tryLock(directory.resolve(".lock"));
	}

	/** The database's local folder, made (owner-only) when missing; refused when it is a link. */
	private Path ownDatabaseDirectory(String database) throws IOException {
		StoreFiles.rootDirectory(this.stagingDirectory);
		return StoreFiles.ownDirectory(stagingDirectory(database).getParent());
	}

	@Override
	public String describe() {
		return "s3://" + this.bucket + "/" + this.prefix;
	}

	@Override
	public String locationName() {
		return "s3";
	}

	/** Key prefix of one database's backups; names are reduced to safe characters. */
	String folder(String database) {
		return this.prefix + BackupFileNames.databaseFolder(database) + "/";
	}

	private Path stagingDirectory(String database) {
		String folder = folder(database);
		return this.stagingDirectory.resolve(folder.substring(this.prefix.length(), folder.length() - 1))
			.resolve(BackupFileNames.STAGING_DIRECTORY);
	}

	private static String dataName(Backup backup) {
		return BackupFileNames.dataFile(backup);
	}

	/** What went wrong between this store and the bucket, in words that say where to look. */
	static String explain(SdkException ex) {
		return S3Failures.explain(ex);
	}

}
