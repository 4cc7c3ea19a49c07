package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.StorageClass;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.codec.BoundedInputStream;
import dev.sqlitebackup.store.BackupFileNames;
import dev.sqlitebackup.store.ManifestFormat;

/**
 * Uploads of backup data: one request up to the part size, a multipart upload above it, each
 * request within a deadline for its size. An answer that lacks what S3 always sends (an upload id,
 * an ETag) was cut or garbled on the way and fails the upload as a connection fault. A backup is
 * published around its upload: marker, data object, then manifest.
 */
final class S3Uploads {

	private static final Logger logger = LoggerFactory.getLogger(S3Uploads.class);

	private final S3Requests requests;

	private final long partSize;

	private final @Nullable StorageClass storageClass;

	S3Uploads(S3Requests requests, long partSize, @Nullable StorageClass storageClass) {
		this.requests = requests;
		this.partSize = partSize;
		this.storageClass = storageClass;
	}

	/**
	 * Uploads the marker, the data object and then the manifest of a backup into a database's folder.
	 * When any step fails, what it wrote is deleted, manifest first, so that a manifest whose answer
	 * was lost on the way does not outlive its data; what cannot be deleted now, cleanUp deletes
	 * later. The staged file is deleted once the backup is published.
	 * @param store the store, for messages
	 */
	void publish(String folder, Path stagingFile, Backup backup, String store) throws IOException {
		String dataKey = folder + BackupFileNames.dataFile(backup);
		String markerKey = folder + backup.id() + S3BackupStore.UPLOADING_SUFFIX;
		String manifestKey = folder + BackupFileNames.manifest(backup.id());
		long size = Files.size(stagingFile);
		try {
			// Not empty: an empty PUT failed once in these tests ("Error writing request body to server").
			this.requests.putText(markerKey, backup.id());
		}
		catch (SdkException ex) {
			this.requests.deleteQuietly(markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + store + ": "
					+ S3Failures.explain(ex), ex);
		}
		try {
			upload(stagingFile, size, dataKey);
			// Last: until the manifest exists the backup is not listed.
			this.requests.putText(manifestKey, ManifestFormat.write(backup));
		}
		catch (SdkException ex) {
			this.requests.deleteQuietly(manifestKey, dataKey, markerKey);
			throw new IOException("Could not upload backup " + backup.id() + " to " + store + ": "
					+ S3Failures.explain(ex), ex);
		}
		this.requests.deleteQuietly(markerKey);
		Files.deleteIfExists(stagingFile);
	}

	void upload(Path file, long size, String key) {
		if (size <= this.partSize) {
			S3Requests.stored(this.requests.client()
				.putObject((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.contentLength(size)
					.storageClass(this.storageClass)
					.overrideConfiguration(this.requests.transfer(size)), RequestBody.fromFile(file))
				.eTag(), key);
		}
		else {
			uploadInParts(file, size, key);
		}
	}

	/** Streams a large file up part by part; on any failure the upload is aborted so S3 keeps no parts. */
	private void uploadInParts(Path file, long size, String key) {
		String uploadId = this.requests.client()
			.createMultipartUpload((request) -> request.bucket(this.requests.bucket())
				.key(key)
				.storageClass(this.storageClass)
				.overrideConfiguration(this.requests.call()))
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
				String etag = this.requests.client()
					.uploadPart((request) -> request.bucket(this.requests.bucket())
						.key(key)
						.uploadId(uploadId)
						.partNumber(number)
						.contentLength(length)
						.overrideConfiguration(this.requests.transfer(length)), body)
					.eTag();
				if (etag == null || etag.isBlank()) {
					throw SdkClientException.create("the bucket's answer to uploading part " + number
							+ " held no ETag: the connection or a proxy on the way cut or garbled it");
				}
				parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
			}
			// S3 may take a while to assemble a large object before it answers.
			S3Requests.stored(this.requests.client()
				.completeMultipartUpload((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.uploadId(uploadId)
					.multipartUpload((upload) -> upload.parts(parts))
					.overrideConfiguration(this.requests.transfer(0)))
				.eTag(), key);
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
			throw new UncheckedIOException(ex);
		}
	}

	void abort(String key, String uploadId) {
		try {
			this.requests.client()
				.abortMultipartUpload((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.uploadId(uploadId)
					.overrideConfiguration(this.requests.call()));
		}
		catch (SdkException ex) {
			logger.warn("Could not abort the multipart upload of {} (cleanUp aborts it later): {}", key,
					S3Failures.explain(ex));
		}
	}

}
