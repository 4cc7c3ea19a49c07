package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * One {@link S3ProxyServer} for a test class, started before its first test and stopped after its
 * last; register it as a static field with {@code @RegisterExtension}.
 */
public final class S3ProxyExtension implements BeforeAllCallback, AfterAllCallback {

	private Path directory;

	private S3ProxyServer server;

	private S3Client client;

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		this.directory = Files.createTempDirectory("s3proxy");
		this.server = S3ProxyServer.start(this.directory);
		this.client = this.server.client();
	}

	@Override
	public void afterAll(ExtensionContext context) throws IOException {
		if (this.client != null) {
			this.client.close();
		}
		if (this.server != null) {
			this.server.close();
		}
		if (this.directory != null) {
			try (Stream<Path> paths = Files.walk(this.directory)) {
				for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
					Files.deleteIfExists(path);
				}
			}
		}
	}

	public S3ProxyServer server() {
		return this.server;
	}

	/** A client with the server's credentials, closed with the server. */
	public S3Client client() {
		return this.client;
	}

	/** Every key in the bucket, sorted; asked for URL-encoded, so that any key can be listed. */
	public List<String> keys(String bucket) {
		return this.client.listObjectsV2Paginator((request) -> request.bucket(bucket).encodingType(EncodingType.URL))
			.contents()
			.stream()
			.map(S3Object::key)
			.sorted()
			.toList();
	}

}
