package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.StorageClass;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.StoreFolderUnusableException;
import dev.sqlitebackup.store.BackupFileNames;
import dev.sqlitebackup.store.FileLocks;
import dev.sqlitebackup.store.ManifestFormat;
import dev.sqlitebackup.store.StoreFiles;
import dev.sqlitebackup.store.UnsafeStorePathException;
import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * Keeps backups in an S3 bucket: {@code <prefix><database>/<id>.sqlite[.zst][.enc]} with the
 * manifest {@code <id>.manifest} beside it, written after the data object, so a backup is
 * listed only once it is complete. Copies are staged, checked and decoded in a local directory;
 * uploads stream from it (multipart above the part size) and downloads stream into it, so no
 * backup is ever held in memory.
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
	public StagingFile newStagingFile(String database, String name) throws IOException {
		Path staging = StoreFiles.ownDirectory(ownDatabaseDirectory(database).resolve(BackupFileNames.STAGING_DIRECTORY));
		Path file = staging.resolve(name + DATA_SUFFIX);
		Files.deleteIfExists(file);
		return StoreFiles.stagingFile(file);
	}

	/**
	 * Uploads the marker, the data object and then the manifest. When any step fails, what it wrote
	 * is deleted, manifest first, so that a manifest whose answer was lost on the way does not
	 * outlive its data; what cannot be deleted now, cleanUp deletes later.
	 */
	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		String folder = folder(backup.database());
		String dataKey = folder + dataName(backup);
		String markerKey = folder + backup.id() + UPLOADING_SUFFIX;
		String manifestKey = folder + BackupFileNames.manifest(backup.id());
		long size = Files.size(stagingFile);
		try {
			// Not empty: an empty PUT failed once in these tests ("Error writing request body to server").
			this.requests.putText(markerKey, backup.id());
		}
		catch (SdkException ex) {
			this.requests.deleteQuietly(markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + describe() + ": " + explain(ex),
					ex);
		}
		try {
			this.uploads.upload(stagingFile, size, dataKey);
			// Last: until the manifest exists the backup is not listed.
			this.requests.putText(manifestKey, ManifestFormat.write(backup));
		}
		catch (SdkException ex) {
			this.requests.deleteQuietly(manifestKey, dataKey, markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + describe() + ": " + explain(ex),
					ex);
		}
		this.requests.deleteQuietly(markerKey);
		Files.deleteIfExists(stagingFile);
		return backup;
	}

	/**
	 * Downloads the data object into staging, within a deadline for its size. The download reads
	 * no more than the manifest's size, and one that ends short is the connection's fault, said so.
	 */
	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		Path download = newStagingFile(backup.database(), backup.id() + "-download-" + UUID.randomUUID()).path();
		try {
			S3Download.into(download, this.requests, folder(backup.database()) + dataName(backup), backup, describe());
		}
		catch (NoSuchKeyException ex) {
			Files.deleteIfExists(download);
			throw new NoSuchFileException(describe() + "/" + backup.database() + "/" + dataName(backup));
		}
		catch (SdkException ex) {
			Files.deleteIfExists(download);
			S3Download.rethrowRefusal(ex);
			throw new IOException("Could not download backup " + backup.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
		catch (RuntimeException ex) {
			Files.deleteIfExists(download);
			throw ex;
		}
		return new Download(download);
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
	 * Aborts multipart uploads that a crash or failure left unfinished (S3 would keep, and bill, their
	 * parts forever), deletes the data objects of publishes that were cut short before their
	 * manifest and the manifests of publishes that failed after it, and removes local staging
	 * leftovers. A data object is deleted only when its upload marker shows that this store wrote it
	 * and its manifest is missing; like the local store, this store does not delete bytes it cannot
	 * account for.
	 */
	@Override
	public void cleanUp(String database) throws IOException {
		String folder = folder(database);
		try {
			for (ListMultipartUploadsResponse page : this.client.listMultipartUploadsPaginator((request) -> request
				.bucket(this.bucket)
				.prefix(folder)
				.encodingType(EncodingType.URL)
				.overrideConfiguration(this.requests.call()))) {
				if (page.bucket() == null || page.isTruncated() == null) {
					throw SdkClientException.create("the bucket's answer to a listing of unfinished uploads was not a "
							+ "whole listing page: the connection or a proxy on the way cut or garbled it");
				}
				for (MultipartUpload upload : page.uploads()) {
					logger.info("Aborting unfinished upload of {} started {}", upload.key(), upload.initiated());
					this.uploads.abort(upload.key(), upload.uploadId());
				}
			}
			S3FolderListing listing = S3FolderListing.of(this.client, this.bucket, folder, this.requests.call());
			deleteInterruptedPublishes(folder, listing);
			deleteManifestsWithoutData(folder, listing);
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

	/**
	 * For every upload marker: a publish whose manifest arrived only lost its marker; one whose
	 * manifest did not never became a backup, so its data object goes too.
	 */
	private void deleteInterruptedPublishes(String folder, S3FolderListing listing) {
		for (String marker : listing.markers()) {
			String id = marker.substring(0, marker.length() - UPLOADING_SUFFIX.length());
			if (!listing.manifests().containsKey(BackupFileNames.manifest(id))) {
				String dataPrefix = id + DATA_SUFFIX;
				for (String name : listing.data().keySet()) {
					if (name.startsWith(dataPrefix)) {
						logger.info("Deleting {}{}: its upload was interrupted before its manifest was written", folder,
								name);
						delete(folder + name);
					}
				}
			}
			delete(folder + marker);
		}
	}

	/**
	 * A manifest without its data object is left by a publish whose manifest reached the bucket
	 * while the answer was lost, and whose data object was then deleted. A manifest is written
	 * after its data and deleted before it, so no publish or delete in progress looks like this.
	 */
	private void deleteManifestsWithoutData(String folder, S3FolderListing listing) {
		for (String id : listing.manifestsWithoutData()) {
			String key = folder + BackupFileNames.manifest(id);
			logger.info("Deleting {}: its data object is missing, so it describes no backup", key);
			delete(key);
			this.manifests.forget(key);
		}
	}

	private void delete(String key) {
		this.requests.delete(key);
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

	/** A downloaded backup, deleted when released. */
	private record Download(Path path) implements StoredBackupFile {

		@Override
		public void close() throws IOException {
			Files.deleteIfExists(this.path);
		}

	}


}
