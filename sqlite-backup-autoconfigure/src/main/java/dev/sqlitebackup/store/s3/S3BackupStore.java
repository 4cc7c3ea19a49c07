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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
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

	private final S3Timeouts timeouts;

	/** Keys this store did not write that it has already warned about, so that each is reported once. */
	private final Set<String> reported = ConcurrentHashMap.newKeySet();

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
		this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
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
			listing = S3FolderListing.of(this.client, this.bucket, folder, call());
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list backups in " + describe() + ": " + explain(ex), ex);
		}
		reportOnce(listing.foreign(), "Skipping {} in {}: this store did not write it (not a backup, manifest or "
				+ "upload marker); it is left alone");
		Set<String> withoutData = listing.manifestsWithoutData();
		reportOnce(withoutData.stream().map((id) -> folder + BackupFileNames.manifest(id)).toList(),
				"Skipping manifest {} in {}: its data object is missing (an upload that failed after its manifest "
						+ "was written, say); the next clean-up deletes it");
		List<Backup> backups = new ArrayList<>();
		Set<String> listed = new HashSet<>();
		for (Map.Entry<String, Long> manifest : listing.manifests().entrySet()) {
			String id = BackupFileNames.idOfManifest(manifest.getKey());
			if (withoutData.contains(id)) {
				continue;
			}
			listed.add(folder + manifest.getKey());
			Backup backup = readManifest(database, manifest.getKey(), manifest.getValue(), listing.data());
			if (backup != null) {
				backups.add(backup);
			}
		}
		this.manifests.keySet().removeIf((key) -> key.startsWith(folder) && !listed.contains(key));
		backups.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		return backups;
	}

	private void reportOnce(Collection<String> keys, String message) {
		for (String key : keys) {
			if (this.reported.add(key)) {
				logger.warn(message, S3Failures.printable(key), describe());
			}
		}
	}

	/**
	 * The manifest's backup if its data object is there with the right size; {@code null} when it
	 * is not a manifest of this database. A manifest that cannot be read whole (the connection
	 * failed, the answer was cut) fails the listing: skipping it would hide a backup.
	 */
	private @Nullable Backup readManifest(String database, String manifestName, long size,
			Map<String, Long> dataSizes) {
		String id = BackupFileNames.idOfManifest(manifestName);
		String key = folder(database) + manifestName;
		Backup cached = this.manifests.get(key);
		if (cached != null) {
			return hasData(cached, dataSizes) ? cached : null;
		}
		if (size > StoreFiles.MAX_MANIFEST_BYTES) {
			reportOnce(List.of(key), "Skipping manifest {} in {}: it is larger than any manifest");
			return null;
		}
		byte[] bytes;
		try {
			// The range bounds the download even if the object was replaced since the listing.
			ResponseBytes<GetObjectResponse> answer = this.client.getObjectAsBytes((request) -> request
				.bucket(this.bucket)
				.key(key)
				.range("bytes=0-" + StoreFiles.MAX_MANIFEST_BYTES)
				.overrideConfiguration(call()));
			bytes = answer.asByteArray();
			Long announced = answer.response().contentLength();
			if (announced != null && announced != bytes.length) {
				throw SdkClientException.create("the answer held " + bytes.length + " of the " + announced
						+ " bytes it announced: the connection was cut");
			}
		}
		catch (NoSuchKeyException ex) {
			return null; // deleted since the listing
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list backups in " + describe() + ": manifest "
					+ S3Failures.printable(key) + " could not be read: " + explain(ex), ex);
		}
		if (bytes.length > StoreFiles.MAX_MANIFEST_BYTES) {
			reportOnce(List.of(key), "Skipping manifest {} in {}: it is larger than any manifest");
			return null;
		}
		Backup backup;
		try (Reader reader = new StringReader(new String(bytes, StandardCharsets.ISO_8859_1))) {
			backup = ManifestFormat.read(reader);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Skipping unreadable manifest {}: {}", key, ex.getMessage());
			return null;
		}
		if (!backup.id().equals(id) || !backup.database().equals(database)) {
			logger.warn("Skipping manifest {}: it describes backup {} of database '{}'", key, backup.id(),
					backup.database());
			return null;
		}
		this.manifests.put(key, backup);
		return hasData(backup, dataSizes) ? backup : null;
	}

	private boolean hasData(Backup backup, Map<String, Long> dataSizes) {
		Long size = dataSizes.get(dataName(backup));
		if (size == null || size != backup.sizeBytes()) {
			if (this.reported.add(folder(backup.database()) + dataName(backup))) {
				logger.warn("Skipping backup {} of database '{}': its data object is {}", backup.id(),
						backup.database(), (size == null) ? "missing" : size + " bytes, not " + backup.sizeBytes());
			}
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
			this.client.putObject((request) -> request.bucket(this.bucket).key(markerKey).overrideConfiguration(call()),
					RequestBody.fromString(backup.id(), StandardCharsets.ISO_8859_1));
		}
		catch (SdkException ex) {
			deleteQuietly(markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + describe() + ": " + explain(ex),
					ex);
		}
		try {
			if (size <= this.partSize) {
				this.client.putObject(
						(request) -> request.bucket(this.bucket)
							.key(dataKey)
							.contentLength(size)
							.storageClass(this.storageClass)
							.overrideConfiguration(transfer(size)),
						RequestBody.fromFile(stagingFile));
			}
			else {
				uploadInParts(stagingFile, size, dataKey);
			}
			// Last: until the manifest exists the backup is not listed.
			this.client.putObject((request) -> request.bucket(this.bucket).key(manifestKey).overrideConfiguration(call()),
					RequestBody.fromString(ManifestFormat.write(backup), StandardCharsets.ISO_8859_1));
		}
		catch (SdkException ex) {
			deleteQuietly(manifestKey, dataKey, markerKey);
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
				this.client.deleteObject((request) -> request.bucket(this.bucket).key(key).overrideConfiguration(call()));
			}
			catch (SdkException ex) {
				logger.warn("Could not delete {} from {} (cleanUp deletes it later): {}", key, describe(), explain(ex));
			}
		}
	}

	/** Streams a large file up part by part; on any failure the upload is aborted so S3 keeps no parts. */
	private void uploadInParts(Path file, long size, String key) {
		String uploadId = this.client
			.createMultipartUpload((request) -> request.bucket(this.bucket)
				.key(key)
				.storageClass(this.storageClass)
				.overrideConfiguration(call()))
			.uploadId();
		if (uploadId == null || uploadId.isBlank()) {
			throw SdkClientException.create("the bucket's answer to starting a multipart upload held no upload id: "
					+ "the connection or a proxy on the way cut or garbled it");
		}
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
					.contentLength(length)
					.overrideConfiguration(transfer(length)), body).eTag();
				if (etag == null || etag.isBlank()) {
					throw SdkClientException.create("the bucket's answer to uploading part " + number
							+ " held no ETag: the connection or a proxy on the way cut or garbled it");
				}
				parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
			}
			this.client.completeMultipartUpload((request) -> request.bucket(this.bucket)
				.key(key)
				.uploadId(uploadId)
				.multipartUpload((upload) -> upload.parts(parts))
				.overrideConfiguration(transfer(0)));
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
			this.client.abortMultipartUpload(
					(request) -> request.bucket(this.bucket).key(key).uploadId(uploadId).overrideConfiguration(call()));
		}
		catch (SdkException ex) {
			logger.warn("Could not abort the multipart upload of {} (cleanUp aborts it later): {}", key, explain(ex));
		}
	}

	/**
	 * Downloads the data object into staging, within a deadline for its size. The download reads
	 * no more than the manifest's size, and one that ends short is the connection's fault, said so.
	 */
	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		Path download = newStagingFile(backup.database(), backup.id() + "-download-" + UUID.randomUUID()).path();
		try {
			this.client.getObject((request) -> request.bucket(this.bucket)
				.key(folder(backup.database()) + dataName(backup))
				.overrideConfiguration(transfer(backup.sizeBytes())), (response, in) -> {
					downloadAtMost(response, in, download, backup);
					return response;
				});
		}
		catch (NoSuchKeyException ex) {
			Files.deleteIfExists(download);
			throw new NoSuchFileException(describe() + "/" + backup.database() + "/" + dataName(backup));
		}
		catch (SdkException ex) {
			Files.deleteIfExists(download);
			for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
				if (cause instanceof TooLargeException tooLarge) {
					throw new IOException(tooLarge.getMessage(), ex);
				}
			}
			throw new IOException("Could not download backup " + backup.id() + " from " + describe() + ": "
					+ explain(ex), ex);
		}
		catch (RuntimeException ex) {
			Files.deleteIfExists(download);
			throw ex;
		}
		return new Download(download);
	}

	/**
	 * Copies no more than the manifest's size: an object that turns out larger (replaced since it
	 * was listed, say) is cut off there rather than allowed to fill the staging disk. Starts the
	 * file afresh, since the SDK calls it again when it retries.
	 */
	private void downloadAtMost(GetObjectResponse response, AbortableInputStream object, Path download, Backup backup)
			throws IOException {
		Long announced = response.contentLength();
		if (announced != null && announced > backup.sizeBytes()) {
			object.abort();
			throw new TooLargeException(tooLarge(backup, announced + " bytes"));
		}
		try (OutputStream out = Files.newOutputStream(download, StandardOpenOption.CREATE,
				StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
			long copied = new BoundedInputStream(object, backup.sizeBytes()).transferTo(out);
			if (copied == backup.sizeBytes() && object.read() >= 0) {
				object.abort();
				throw new TooLargeException(tooLarge(backup, "more than " + backup.sizeBytes() + " bytes"));
			}
			if (copied < backup.sizeBytes()) {
				throw new IOException("the connection ended after " + copied + " of the " + backup.sizeBytes()
						+ " bytes of the backup (the backup itself was not checked)");
			}
		}
	}

	private String tooLarge(Backup backup, String size) {
		return "Backup " + backup.id() + " in " + describe() + " holds " + size + " but its manifest says "
				+ backup.sizeBytes() + "; the download was stopped";
	}

	@Override
	public void delete(Backup backup) throws IOException {
		String folder = folder(backup.database());
		try {
			this.client.deleteObject((request) -> request.bucket(this.bucket)
				.key(folder + BackupFileNames.manifest(backup.id()))
				.overrideConfiguration(call()));
			this.manifests.remove(folder + BackupFileNames.manifest(backup.id()));
			this.client.deleteObject((request) -> request.bucket(this.bucket)
				.key(folder + dataName(backup))
				.overrideConfiguration(call()));
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
			for (MultipartUpload upload : this.client.listMultipartUploadsPaginator((request) -> request
				.bucket(this.bucket)
				.prefix(folder)
				.encodingType(EncodingType.URL)
				.overrideConfiguration(call())).uploads()) {
				logger.info("Aborting unfinished upload of {} started {}", upload.key(), upload.initiated());
				abort(upload.key(), upload.uploadId());
			}
			S3FolderListing listing = S3FolderListing.of(this.client, this.bucket, folder, call());
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
			this.manifests.remove(key);
			this.reported.remove(key);
		}
	}

	private void delete(String key) {
		this.client.deleteObject((request) -> request.bucket(this.bucket).key(key).overrideConfiguration(call()));
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

	/** The deadline of a request that moves no backup data. */
	private Consumer<AwsRequestOverrideConfiguration.Builder> call() {
		Duration deadline = this.timeouts.call();
		return (override) -> override.apiCallTimeout(deadline);
	}

	/** The deadline of a request that moves this many bytes of backup data. */
	private Consumer<AwsRequestOverrideConfiguration.Builder> transfer(long bytes) {
		Duration deadline = this.timeouts.transfer(bytes);
		return (override) -> override.apiCallTimeout(deadline);
	}

	/** A download refused for its size: the object's fault, not the connection's, so not retried as one. */
	private static final class TooLargeException extends RuntimeException {

		TooLargeException(String message) {
			super(message);
		}

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
