package dev.sqlitebackup.benchmarks;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

import dev.sqlitebackup.benchmarks.S3RequestCounter.Kind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counting forwarder between the SDK and S3Proxy: every request arrives, bodies (signed in
 * chunks or not, multipart parts included) and answers come through whole on kept-alive
 * connections, and each request is counted once under its kind.
 */
class S3RequestCounterTests {

	@TempDir
	Path temp;

	@Test
	void forwardsEveryRequestAndCountsItByKind() throws Exception {
		byte[] large = new byte[(5 << 20) + 123];
		Arrays.fill(large, (byte) 'p');
		try (S3ProxyProcess server = S3ProxyProcess.start(this.temp.resolve("s3proxy"));
				S3RequestCounter counter = S3RequestCounter.start(server.endpoint());
				S3Client client = S3ProxyProcess.client(counter.endpoint())) {
			client.createBucket((request) -> request.bucket("counted"));
			client.putObject((request) -> request.bucket("counted").key("a/one"), RequestBody.fromString("hello"));
			String upload = client.createMultipartUpload((request) -> request.bucket("counted").key("a/two")).uploadId();
			String first = client
				.uploadPart((request) -> request.bucket("counted").key("a/two").uploadId(upload).partNumber(1),
						RequestBody.fromBytes(large))
				.eTag();
			String second = client
				.uploadPart((request) -> request.bucket("counted").key("a/two").uploadId(upload).partNumber(2),
						RequestBody.fromString("tail"))
				.eTag();
			client.completeMultipartUpload((request) -> request.bucket("counted").key("a/two").uploadId(upload)
				.multipartUpload((parts) -> parts.parts(CompletedPart.builder().partNumber(1).eTag(first).build(),
						CompletedPart.builder().partNumber(2).eTag(second).build())));
			assertThat(client.getObjectAsBytes((request) -> request.bucket("counted").key("a/one")).asUtf8String())
				.isEqualTo("hello");
			assertThat(client.getObjectAsBytes((request) -> request.bucket("counted").key("a/two")).asByteArray())
				.hasSize(large.length + 4);
			assertThat(client.headObject((request) -> request.bucket("counted").key("a/one")).contentLength())
				.isEqualTo(5);
			assertThat(client.listObjectsV2((request) -> request.bucket("counted").prefix("a/")).contents()).hasSize(2);
			client.deleteObject((request) -> request.bucket("counted").key("a/one"));
			client.deleteObjects((request) -> request.bucket("counted")
				.delete((delete) -> delete.objects(ObjectIdentifier.builder().key("a/two").build())));
			assertThat(client.listObjectsV2((request) -> request.bucket("counted")).contents()).isEmpty();
			List<S3RequestCounter.Request> requests = counter.requests();
			Map<Kind, Long> counts = S3RequestCounter.count(requests, Long.MIN_VALUE, Long.MAX_VALUE);
			assertThat(counts).containsEntry(Kind.PUT, 4L)
				.containsEntry(Kind.GET, 2L)
				.containsEntry(Kind.HEAD, 1L)
				.containsEntry(Kind.LIST, 2L)
				.containsEntry(Kind.DELETE, 2L)
				.containsEntry(Kind.OTHER, 2L);
		}
	}

	@Test
	void tellsListingsFromObjectReads() {
		assertThat(S3RequestCounter.Kind.of("GET", "/bucket?list-type=2&prefix=db%2F")).isEqualTo(Kind.LIST);
		assertThat(S3RequestCounter.Kind.of("GET", "/bucket/")).isEqualTo(Kind.LIST);
		assertThat(S3RequestCounter.Kind.of("GET", "/bucket?location")).isEqualTo(Kind.OTHER);
		assertThat(S3RequestCounter.Kind.of("GET", "/bucket/db/generations/x/wal/0/0.wal.lz4")).isEqualTo(Kind.GET);
		assertThat(S3RequestCounter.Kind.of("GET", "http://127.0.0.1:9000/bucket/key")).isEqualTo(Kind.GET);
		assertThat(S3RequestCounter.Kind.of("POST", "/bucket?delete")).isEqualTo(Kind.DELETE);
		assertThat(S3RequestCounter.Kind.of("POST", "/bucket/key?uploads")).isEqualTo(Kind.OTHER);
	}

}
