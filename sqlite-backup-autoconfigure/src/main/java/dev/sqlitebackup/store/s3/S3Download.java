package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.codec.BoundedInputStream;

/**
 * Downloads one backup's data object, or a segment's frames, into a file, inside the SDK call so
 * that the call's deadline covers the whole transfer, and never more bytes than the manifest says;
 * the file, in staging, is handed out to be deleted when released.
 */
final class S3Download {

	private S3Download() {
	}

	/**
	 * Downloads an object, or the range of it given, into a file.
	 * @param range an HTTP range ({@code bytes=0-99}) or {@code null} for the whole object
	 * @param size the bytes the manifest says there are
	 * @param what what is downloaded, for messages ({@code backup <id>})
	 */
	static void into(Path download, S3Requests requests, String key, @Nullable String range, long size, String what,
			String store) {
		requests.client()
			.getObject((request) -> request.bucket(requests.bucket())
				.key(key)
				.range(range)
				.overrideConfiguration(requests.transfer(size)), (response, in) -> {
					copyAtMost(response, in, download, size, what, store);
					return response;
				});
	}

	/**
	 * Runs a download into a staging file and hands the file out, deleted when released. On failure
	 * the file is deleted first: a missing object fails as a missing file, the SDK's failures as an
	 * {@link IOException} that says what could not be downloaded from where.
	 * @param what what is downloaded, for messages ({@code backup <id>})
	 * @param missing the name a missing object is reported under
	 */
	static StoredBackupFile staged(Path download, Transfer transfer, String what, String missing, String store)
			throws IOException {
		try {
			transfer.into(download);
		}
		catch (NoSuchKeyException ex) {
			Files.deleteIfExists(download);
			throw new NoSuchFileException(missing);
		}
		catch (SdkException ex) {
			Files.deleteIfExists(download);
			rethrowRefusal(ex);
			throw new IOException("Could not download " + what + " from " + store + ": " + S3Failures.explain(ex), ex);
		}
		catch (IOException | RuntimeException ex) {
			Files.deleteIfExists(download);
			throw ex;
		}
		return new Download(download);
	}

	/** Throws the download's refusal of an object larger than its manifest, when that is what failed. */
	private static void rethrowRefusal(SdkException ex) throws IOException {
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
			long size, String what, String store) throws IOException {
		Long announced = response.contentLength();
		if (announced != null && announced > size) {
			object.abort();
			throw new TooLargeException(tooLarge(what, size, announced + " bytes", store));
		}
		try (OutputStream out = Files.newOutputStream(download, StandardOpenOption.CREATE,
				StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
			long copied = new BoundedInputStream(object, size).transferTo(out);
			if (copied == size && object.read() >= 0) {
				object.abort();
				throw new TooLargeException(tooLarge(what, size, "more than " + size + " bytes", store));
			}
			if (copied < size) {
				throw new IOException("the connection ended after " + copied + " of the " + size + " bytes of the "
						+ what.substring(0, what.indexOf(' ')) + " (the " + what.substring(0, what.indexOf(' '))
						+ " itself was not checked)");
			}
		}
	}

	private static String tooLarge(String what, long expected, String size, String store) {
		return Character.toUpperCase(what.charAt(0)) + what.substring(1) + " in " + store + " holds " + size
				+ " but its manifest says " + expected + "; the download was stopped";
	}

	/** Downloads an object into a file. */
	@FunctionalInterface
	interface Transfer {

		void into(Path download) throws IOException;

	}

	/** A downloaded object in staging, deleted when released. */
	private record Download(Path path) implements StoredBackupFile {

		@Override
		public void close() throws IOException {
			Files.deleteIfExists(this.path);
		}

	}

	/** A download refused for its size: the object's fault, not the connection's. */
	private static final class TooLargeException extends RuntimeException {

		TooLargeException(String message) {
			super(message);
		}

	}

}
