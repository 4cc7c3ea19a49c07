package dev.sqlitebackup.store.s3;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The small requests of one store to its bucket, each within its deadline. */
final class S3Requests {

	private static final Logger logger = LoggerFactory.getLogger(S3Requests.class);

	private final S3Client client;

	private final String bucket;

	private final S3Timeouts timeouts;

	private final String description;

	S3Requests(S3Client client, String bucket, S3Timeouts timeouts, String description) {
		this.client = client;
		this.bucket = bucket;
		this.timeouts = timeouts;
		this.description = description;
	}

	S3Client client() {
		return this.client;
	}

	String bucket() {
		return this.bucket;
	}

	/** The deadline of a request that moves no backup data. */
	Consumer<AwsRequestOverrideConfiguration.Builder> call() {
		Duration deadline = this.timeouts.call();
		return (override) -> override.apiCallTimeout(deadline);
	}

	/** The deadline of a request that moves this many bytes of backup data. */
	Consumer<AwsRequestOverrideConfiguration.Builder> transfer(long bytes) {
		Duration deadline = this.timeouts.transfer(bytes);
		return (override) -> override.apiCallTimeout(deadline);
	}

	/** Writes a small text object: a manifest or a marker. */
	void putText(String key, String text) {
		stored(this.client.putObject((request) -> request.bucket(this.bucket).key(key).overrideConfiguration(call()),
				RequestBody.fromString(text, StandardCharsets.ISO_8859_1)).eTag(), key);
	}

	/**
	 * Checks that the answer to a write names what was stored: S3 always sends the ETag of what it
	 * stored, so an answer without one (an empty 200 from something on the way) proves nothing was.
	 */
	static void stored(@Nullable String etag, String key) {
		if (etag == null || etag.isBlank()) {
			throw SdkClientException.create("the bucket's answer to writing " + S3Failures.printable(key)
					+ " held no ETag, so nothing says it was stored: the connection or a proxy on the way cut or "
					+ "garbled it");
		}
	}

	void delete(String key) {
		this.client.deleteObject((request) -> request.bucket(this.bucket).key(key).overrideConfiguration(call()));
	}

	/** Best effort: what is left behind, the store's clean-up removes later. */
	void deleteQuietly(String... keys) {
		for (String key : keys) {
			try {
				delete(key);
			}
			catch (SdkException ex) {
				logger.warn("Could not delete {} from {} (cleanUp deletes it later): {}", key, this.description,
						S3Failures.explain(ex));
			}
		}
	}

}
