package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.StorageClass;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
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

	/**
	 * Manifests already read, by key. A manifest is written once and never changed (ids are
	 * unique), so listing, which health checks and metrics do often, only downloads new ones.
	 */
	private final Map<String, Backup> manifests = new ConcurrentHashMap<>();

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
		this.client = Objects.requireNonNull(client, "client");
		this.bucket = Objects.requireNonNull(bucket, "bucket");
		this.prefix = (prefix.isEmpty() || prefix.endsWith("/")) ? prefix : prefix + "/";
		this.stagingDirectory = stagingDirectory.toAbsolutePath().normalize();
		if (partSize < MIN_PART_SIZE) {
			throw new IllegalArgumentException("partSize must be at least " + MIN_PART_SIZE + " bytes (S3's minimum)");
		}
		this.partSize = partSize;
		this.storageClass = checkedStorageClass(storageClass);
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

	@Override
	public List<Backup> list(String database) {
		String folder = folder(database);
		Map<String, Long> dataSizes = new HashMap<>();
		Map<String, Long> manifestSizes = new HashMap<>();
		try {
			for (S3Object object : this.client
				.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(folder))
				.contents()) {
				String name = object.key().substring(folder.length());
				if (name.endsWith(MANIFEST_SUFFIX)) {
					manifestSizes.put(name, object.size());
				}
				else {
					dataSizes.put(name, object.size());
				}
			}
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list backups in " + describe() + ": " + explain(ex), ex);
		}
		List<Backup> backups = new ArrayList<>();
		Set<String> listed = new HashSet<>();
		for (Map.Entry<String, Long> manifest : manifestSizes.entrySet()) {
			listed.add(folder + manifest.getKey());
			Backup backup = readManifest(database, manifest.getKey(), manifest.getValue(), dataSizes);
			if (backup != null) {
				backups.add(backup);
			}
		}
		this.manifests.keySet().removeIf((key) -> key.startsWith(folder) && !listed.contains(key));
		backups.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		return backups;
	}

	/** The manifest's backup if it is readable and its data object is there with the right size. */
	private @Nullable Backup readManifest(String database, String manifestName, @Nullable Long size,
			Map<String, Long> dataSizes) {
		String id = manifestName.substring(0, manifestName.length() - MANIFEST_SUFFIX.length());
		if (!BackupIds.isWellFormed(id)) {
			return null;
		}
		String key = folder(database) + manifestName;
		try {
			Backup cached = this.manifests.get(key);
			if (cached != null) {
				return hasData(cached, dataSizes) ? cached : null;
			}
			if (size != null && size > StoreFiles.MAX_MANIFEST_BYTES) {
				logger.warn("Skipping manifest {}: it is {} bytes, more than any manifest", key, size);
				return null;
			}
			// The range bounds the download even if the object was replaced since the listing.
			byte[] bytes = this.client
				.getObjectAsBytes((request) -> request.bucket(this.bucket)
					.key(key)
					.range("bytes=0-" + StoreFiles.MAX_MANIFEST_BYTES))
				.asByteArray();
			if (bytes.length > StoreFiles.MAX_MANIFEST_BYTES) {
				logger.warn("Skipping manifest {}: it is larger than {} KiB, more than any manifest", key,
						StoreFiles.MAX_MANIFEST_BYTES / 1024);
				return null;
			}
			String text = new String(bytes, StandardCharsets.ISO_8859_1);
			Backup backup;
			try (Reader reader = new StringReader(text)) {
				backup = ManifestFormat.read(reader);
			}
			if (!backup.id().equals(id) || !backup.database().equals(database)) {
				logger.warn("Skipping manifest {}: it describes backup {} of database '{}'", key, backup.id(),
						backup.database());
				return null;
			}
			this.manifests.put(key, backup);
			return hasData(backup, dataSizes) ? backup : null;
		}
		catch (NoSuchKeyException ex) {
			return null; // deleted since the listing
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Skipping unreadable manifest {}: {}", key, ex.getMessage());
			return null;
		}
	}

	private boolean hasData(Backup backup, Map<String, Long> dataSizes) {
		Long size = dataSizes.get(dataName(backup));
		if (size == null || size != backup.sizeBytes()) {
			logger.warn("Skipping backup {} of database '{}': its data object is {}", backup.id(), backup.database(),
					(size == null) ? "missing" : size + " bytes, not " + backup.sizeBytes());
			return false;
		}
		return true;
	}

	@Override
	public StagingFile newStagingFile(String database, String name) throws IOException {
		Path staging = StoreFiles.ownDirectory(ownDatabaseDirectory(database).resolve(BackupFileNames.STAGING_DIRECTORY));
		Path file = staging.resolve(name + DATA_SUFFIX);
		Files.deleteIfExists(file);
		return StoreFiles.stagingFile(file);
	}

	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		String folder = folder(backup.database());
		String dataKey = folder + dataName(backup);
		String markerKey = folder + backup.id() + UPLOADING_SUFFIX;
		long size = Files.size(stagingFile);
		try {
			// Not empty: an empty PUT failed once in these tests ("Error writing request body to server").
			this.client.putObject((request) -> request.bucket(this.bucket).key(markerKey),
					RequestBody.fromString(backup.id(), StandardCharsets.ISO_8859_1));
		}
		catch (SdkException ex) {
			throw new IOException("Could not upload backup " + backup.id() + " to " + describe() + ": " + explain(ex),
					ex);
		}
		try {
			if (size <= this.partSize) {
				this.client.putObject(
						(request) -> request.bucket(this.bucket)
							.key(dataKey)
							.contentLength(size)
							.storageClass(this.storageClass),
						RequestBody.fromFile(stagingFile));
			}
			else {
				uploadInParts(stagingFile, size, dataKey);
			}
			// Last: until the manifest exists the backup is not listed.
			this.client.putObject((request) -> request.bucket(this.bucket).key(folder + backup.id() + MANIFEST_SUFFIX),
					RequestBody.fromString(ManifestFormat.write(backup), StandardCharsets.ISO_8859_1));
		}
		catch (SdkException ex) {
			deleteQuietly(dataKey, markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + describe() + ": " + explain(ex),
					ex);
		}
		deleteQuietly(markerKey);
		Files.deleteIfExists(stagingFile);
		return backup;
	}

	/** Best effort: what is left behind, cleanUp removes by its marker. */
	private void deleteQuietly(String... keys) {
		for (String key : keys) {
			try {
				this.client.deleteObject((request) -> request.bucket(this.bucket).key(key));
			}
			catch (SdkException ex) {
				logger.warn("Could not delete {} from {} (cleanUp deletes it later): {}", key, describe(), explain(ex));
			}
		}
	}

	/** Streams a large file up part by part; on any failure the upload is aborted so S3 keeps no parts. */
	private void uploadInParts(Path file, long size, String key) {
		String uploadId = this.client
			.createMultipartUpload((request) -> request.bucket(this.bucket).key(key).storageClass(this.storageClass))
			.uploadId();
		try {
			List<CompletedPart> parts = new ArrayList<>();
			int partNumber = 1;
			for (long offset = 0; offset < size; offset += this.partSize, partNumber++) {
				long start = offset;
				long length = Math.min(this.partSize, size - offset);
				int number = partNumber;
				// A provider, not a stream: the SDK can re-read a part to retry it without buffering it.
				RequestBody body = RequestBody.fromContentProvider(() -> openRange(file, start, length), length,
						"application/octet-stream");
				String etag = this.client.uploadPart((request) -> request.bucket(this.bucket)
					.key(key)
					.uploadId(uploadId)
					.partNumber(number)
					.contentLength(length), body).eTag();
				parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
			}
			this.client.completeMultipartUpload((request) -> request.bucket(this.bucket)
				.key(key)
				.uploadId(uploadId)
				.multipartUpload((upload) -> upload.parts(parts)));
		}
		catch (RuntimeException ex) {
			abort(key, uploadId);
			throw ex;
		}
	}

	private static InputStream openRange(Path file, long start, long length) {
		try {
			FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
			channel.position(start);
			return new BoundedInputStream(Channels.newInputStream(channel), length);
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private void abort(String key, String uploadId) {
		try {
			this.client.abortMultipartUpload((request) -> request.bucket(this.bucket).key(key).uploadId(uploadId));
		}
		catch (SdkException ex) {
			logger.warn("Could not abort the multipart upload of {} (cleanUp aborts it later): {}", key, explain(ex));
		}
	}

	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		Path download = newStagingFile(backup.database(), backup.id() + "-download-" + UUID.randomUUID()).path();
		try (ResponseInputStream<GetObjectResponse> object = this.client.getObject(
				(request) -> request.bucket(this.bucket).key(folder(backup.database()) + dataName(backup)))) {
			downloadAtMost(object, download, backup);
		}
		catch (IOException ex) {
			Files.deleteIfExists(download);
			throw ex;
		}
		catch (NoSuchKeyException ex) {
			Files.deleteIfExists(download);
			throw new NoSuchFileException(describe() + "/" + backup.database() + "/" + dataName(backup));
		}
		catch (SdkException ex) {
			Files.deleteIfExists(download);
			throw new IOException("Could not download backup " + backup.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
		return new Download(download);
	}

	/**
	 * Downloads no more than the manifest's size: an object that turns out larger (replaced since
	 * it was listed, say) is cut off there rather than allowed to fill the staging disk.
	 */
	private void downloadAtMost(ResponseInputStream<GetObjectResponse> object, Path download, Backup backup)
			throws IOException {
		Long announced = object.response().contentLength();
		if (announced != null && announced > backup.sizeBytes()) {
			object.abort();
			throw tooLarge(backup, announced + " bytes");
		}
		try (OutputStream out = Files.newOutputStream(download, StandardOpenOption.CREATE_NEW,
				StandardOpenOption.WRITE)) {
			long copied = new BoundedInputStream(object, backup.sizeBytes()).transferTo(out);
			if (copied == backup.sizeBytes() && object.read() >= 0) {
				object.abort();
				throw tooLarge(backup, "more than " + backup.sizeBytes() + " bytes");
			}
		}
	}

	private IOException tooLarge(Backup backup, String size) {
		return new IOException("Backup " + backup.id() + " in " + describe() + " holds " + size
				+ " but its manifest says " + backup.sizeBytes() + "; the download was stopped");
	}

	@Override
	public void delete(Backup backup) throws IOException {
		String folder = folder(backup.database());
		try {
			this.client.deleteObject((request) -> request.bucket(this.bucket).key(folder + backup.id() + MANIFEST_SUFFIX));
			this.manifests.remove(folder + backup.id() + MANIFEST_SUFFIX);
			this.client.deleteObject((request) -> request.bucket(this.bucket).key(folder + dataName(backup)));
		}
		catch (SdkException ex) {
			throw new IOException("Could not delete backup " + backup.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
	}

	/**
	 * Aborts multipart uploads that a crash or failure left unfinished (S3 would keep, and bill, their
	 * parts forever), deletes the data objects of publishes that were cut short before their
	 * manifest, and removes local staging leftovers. A data object is deleted only when its upload
	 * marker shows that this store wrote it and its manifest is missing; like the local store, this
	 * store does not delete bytes it cannot account for.
	 */
	@Override
	public void cleanUp(String database) throws IOException {
		String folder = folder(database);
		try {
			for (MultipartUpload upload : this.client
				.listMultipartUploadsPaginator((request) -> request.bucket(this.bucket).prefix(folder))
				.uploads()) {
				logger.info("Aborting unfinished upload of {} started {}", upload.key(), upload.initiated());
				abort(upload.key(), upload.uploadId());
			}
			deleteInterruptedPublishes(folder);
		}
		catch (SdkException ex) {
			throw new IOException("cannot clean up unfinished uploads: " + explain(ex), ex);
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
	private void deleteInterruptedPublishes(String folder) {
		Set<String> keys = new HashSet<>();
		this.client.listObjectsV2Paginator((request) -> request.bucket(this.bucket).prefix(folder))
			.contents()
			.forEach((object) -> keys.add(object.key()));
		for (String marker : keys) {
			if (!marker.endsWith(UPLOADING_SUFFIX)) {
				continue;
			}
			String id = marker.substring(folder.length(), marker.length() - UPLOADING_SUFFIX.length());
			if (!BackupIds.isWellFormed(id)) {
				continue;
			}
			if (!keys.contains(folder + id + MANIFEST_SUFFIX)) {
				String dataPrefix = folder + id + DATA_SUFFIX;
				for (String key : keys) {
					if (key.startsWith(dataPrefix)) {
						logger.info("Deleting {}: its upload was interrupted before its manifest was written", key);
						this.client.deleteObject((request) -> request.bucket(this.bucket).key(key));
					}
				}
			}
			this.client.deleteObject((request) -> request.bucket(this.bucket).key(marker));
		}
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

	/** The service's own words for a failure, which say what to fix (credentials, bucket, endpoint). */
	static String explain(SdkException ex) {
		if (ex instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
			String code = s3.awsErrorDetails().errorCode();
			String hint = switch ((code != null) ? code : "") {
				case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" ->
					" (check the access key and secret key)";
				case "AccessDenied" -> " (the credentials are not allowed to do this)";
				case "NoSuchBucket" -> " (create the bucket first)";
				default -> "";
			};
			return "HTTP " + s3.statusCode() + " " + code + ": " + s3.awsErrorDetails().errorMessage() + hint;
		}
		return ex.getMessage();
	}

	/** A downloaded backup, deleted when released. */
	private record Download(Path path) implements StoredBackupFile {

		@Override
		public void close() throws IOException {
			Files.deleteIfExists(this.path);
		}

	}

	/** Reads at most a given number of bytes: one part of a file. */
	private static final class BoundedInputStream extends java.io.FilterInputStream {

		private long remaining;

		BoundedInputStream(InputStream in, long remaining) {
			super(in);
			this.remaining = remaining;
		}

		@Override
		public int read() throws IOException {
			if (this.remaining <= 0) {
				return -1;
			}
			int b = this.in.read();
			if (b >= 0) {
				this.remaining--;
			}
			return b;
		}

		@Override
		public int read(byte[] bytes, int offset, int length) throws IOException {
			if (this.remaining <= 0) {
				return -1;
			}
			int n = this.in.read(bytes, offset, (int) Math.min(length, this.remaining));
			if (n > 0) {
				this.remaining -= n;
			}
			return n;
		}

	}

}
