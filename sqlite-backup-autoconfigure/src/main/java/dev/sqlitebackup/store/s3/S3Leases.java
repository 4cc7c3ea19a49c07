package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.Lease;

/**
 * Leases in a bucket: the object {@code <prefix><database>/lease}, created with
 * {@code If-None-Match: *} and swapped with {@code If-Match: <ETag>}, so that of two writers who
 * read the same lease only one replaces it (S3 answers the other 412). Its version is its ETag.
 */
final class S3Leases {

	/** Name of a database's lease object in its folder. */
	static final String LEASE_OBJECT = "lease";

	private static final int PRECONDITION_FAILED = 412;

	private static final int CONFLICT = 409;

	private final S3Requests requests;

	S3Leases(S3Requests requests) {
		this.requests = requests;
	}

	Optional<StoredLease> read(String folder) throws IOException {
		String key = folder + LEASE_OBJECT;
		ResponseBytes<GetObjectResponse> object;
		try {
			object = this.requests.client()
				.getObjectAsBytes((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.overrideConfiguration(this.requests.call()));
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (SdkException ex) {
			throw new IOException("Cannot read the lease " + key + ": " + S3Failures.explain(ex), ex);
		}
		try {
			return Optional.of(new StoredLease(Lease.parse(object.asString(StandardCharsets.UTF_8)),
					object.response().eTag()));
		}
		catch (IllegalArgumentException ex) {
			throw new IOException("The lease object " + key + " is not one this starter wrote (" + ex.getMessage()
					+ "); delete it to let continuous backup take a new one", ex);
		}
	}

	Optional<String> write(String folder, Lease lease, @Nullable String expectedVersion) throws IOException {
		String key = folder + LEASE_OBJECT;
		try {
			PutObjectResponse response = this.requests.client().putObject((request) -> {
				request.bucket(this.requests.bucket())
					.key(key)
					.contentType("application/json")
					.overrideConfiguration(this.requests.call());
				if (expectedVersion == null) {
					request.ifNoneMatch("*");
				}
				else {
					request.ifMatch(expectedVersion);
				}
			}, RequestBody.fromString(lease.toJson(), StandardCharsets.UTF_8));
			return Optional.of(response.eTag());
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == PRECONDITION_FAILED || ex.statusCode() == CONFLICT) {
				return landedEarlier(folder, lease);
			}
			throw new IOException("Cannot write the lease " + key + ": " + S3Failures.explain(ex), ex);
		}
		catch (SdkException ex) {
			throw new IOException("Cannot write the lease " + key + ": " + S3Failures.explain(ex), ex);
		}
	}

	/**
	 * The SDK retries a PUT whose answer did not arrive in time; when the first attempt did land,
	 * the retry meets its own lease and is refused. The holder's random id makes an equal lease
	 * ours, so the swap succeeded and its ETag is the version to renew from.
	 */
	private Optional<String> landedEarlier(String folder, Lease lease) throws IOException {
		Lease written = Lease.parse(lease.toJson());
		return read(folder).filter((stored) -> stored.lease().equals(written)).map(StoredLease::version);
	}

}
