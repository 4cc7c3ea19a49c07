package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

import dev.sqlitebackup.Backup;

/**
 * Downloads one backup's data object into a file, inside the SDK call so that the call's deadline
 * covers the whole transfer, and never more bytes than the manifest says.
 */
final class S3Download {

	private S3Download() {
	}

	static void into(Path download, S3Requests requests, String key, Backup backup, String store) {
		requests.client()
			.getObject((request) -> request.bucket(requests.bucket())
				.key(key)
				.overrideConfiguration(requests.transfer(backup.sizeBytes())), (response, in) -> {
					copyAtMost(response, in, download, backup, store);
					return response;
				});
	}

	/** Throws the download's refusal of an object larger than its manifest, when that is what failed. */
	static void rethrowRefusal(SdkException ex) throws IOException {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof TooLargeException tooLarge) {
				throw new IOException(tooLarge.getMessage(), ex);
			}
		}
	}

	/**
	 * Copies no more than the manifest's size: an object that turns out larger (replaced since it
	 * was listed, say) is cut off there rather than allowed to fill the staging disk; one that ends
	 * short is the connection's fault. Starts the file afresh, since the SDK calls it again when it
	 * retries.
	 */
	private static void copyAtMost(GetObjectResponse response, AbortableInputStream object, Path download,
			Backup backup, String store) throws IOException {
		Long announced = response.contentLength();
		if (announced != null && announced > backup.sizeBytes()) {
			object.abort();
			throw new TooLargeException(tooLarge(backup, announced + " bytes", store));
		}
		try (OutputStream out = Files.newOutputStream(download, StandardOpenOption.CREATE,
				StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
			long copied = new BoundedInputStream(object, backup.sizeBytes()).transferTo(out);
			if (copied == backup.sizeBytes() && object.read() >= 0) {
				object.abort();
				throw new TooLargeException(tooLarge(backup, "more than " + backup.sizeBytes() + " bytes", store));
			}
			if (copied < backup.sizeBytes()) {
				throw new IOException("the connection ended after " + copied + " of the " + backup.sizeBytes()
						+ " bytes of the backup (the backup itself was not checked)");
			}
		}
	}

	private static String tooLarge(Backup backup, String size, String store) {
		return "Backup " + backup.id() + " in " + store + " holds " + size + " but its manifest says "
				+ backup.sizeBytes() + "; the download was stopped";
	}

	/** A download refused for its size: the object's fault, not the connection's. */
	private static final class TooLargeException extends RuntimeException {

		TooLargeException(String message) {
			super(message);
		}

	}

}
