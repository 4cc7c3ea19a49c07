package dev.sqlitebackup.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application with backups compressed, encrypted, kept locally (the newest one) and
 * copied to a real S3-compatible server (S3Proxy) that the test starts on loopback.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sqlite.backup.restore.enabled=true", "sqlite.backup.compression=zstd",
				"sqlite.backup.encryption.key-id=2026-11", "sqlite.backup.s3.bucket=" + OffsiteBackupHttpTests.BUCKET,
				"sqlite.backup.s3.prefix=sample/", "sqlite.backup.s3.path-style-access=true",
				"sqlite.backup.s3.keep-local=1", "sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
				"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY })
class OffsiteBackupHttpTests {

	static final String BUCKET = "sample-backups";

	private static final String DATABASE = "/actuator/sqlitebackup/dataSource";

	@TempDir
	static Path temp;

	private static S3ProxyServer server;

	@DynamicPropertySource
	static void serverAndFiles(DynamicPropertyRegistry registry) throws Exception {
		server = S3ProxyServer.start(Files.createDirectories(temp.resolve("s3")));
		try (S3Client client = server.client()) {
			client.createBucket((request) -> request.bucket(BUCKET));
		}
		registry.add("sqlite.backup.s3.endpoint", () -> server.endpoint().toString());
		registry.add("sqlite.backup.encryption.key",
				() -> Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes()));
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
	}

	@AfterAll
	static void stopServer() {
		if (server != null) {
			server.close();
		}
	}

	@LocalServerPort
	private int port;

	@Test
	void backupIsKeptLocallyAndInTheBucketAndShowsItsKey() throws Exception {
		HttpSession http = new HttpSession(this.port);
		JsonNode backup = backup(http);
		String id = backup.get("id").asString();

		assertThat(backup.get("compression").asString()).isEqualTo("zstd");
		assertThat(backup.get("encrypted").asBoolean()).isTrue();
		assertThat(backup.get("encryptionKeyId").asString()).isEqualTo("2026-11");
		assertThat(bucketKeys()).contains("sample/dataSource/" + id + ".manifest",
				"sample/dataSource/" + id + ".sqlite.zst.enc");
		assertThat(localFiles()).contains(id + ".manifest", id + ".sqlite.zst.enc");
	}

	@Test
	void backupsNoLongerKeptLocallyAreListedOnceAndRestoredFromTheBucket() throws Exception {
		HttpSession http = new HttpSession(this.port);
		assertThat(http.post("/notes", "{\"text\":\"in the older backup\"}").status()).isEqualTo(201);
		String older = backup(http).get("id").asString();
		assertThat(http.post("/notes", "{\"text\":\"in the newer backup\"}").status()).isEqualTo(201);
		String newer = backup(http).get("id").asString();
		assertThat(localFiles()).doesNotContain(older + ".manifest").contains(newer + ".manifest");

		JsonNode backups = http.get(DATABASE).json().get("backups");
		List<String> listed = SqliteBackupEndpointHttpTests.ids(backups);
		assertThat(listed).containsSubsequence(newer, older).doesNotHaveDuplicates();
		assertThat(locations(backups, newer)).isEqualTo("[\"local\",\"s3\"]");
		assertThat(locations(backups, older)).isEqualTo("[\"s3\"]");

		Response restored = http.post(DATABASE, "{\"action\":\"restore\",\"backupId\":\"" + older + "\"}");
		assertThat(restored.status()).as(restored.toString()).isEqualTo(200);
		assertThat(restored.json().get("restoredFrom").asString()).isEqualTo(older);
		assertThat(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json())).contains("in the older backup")
			.doesNotContain("in the newer backup");
	}

	private static String locations(JsonNode backups, String id) {
		for (JsonNode backup : backups) {
			if (backup.get("id").asString().equals(id)) {
				return backup.get("locations").toString();
			}
		}
		throw new AssertionError("backup " + id + " is not listed");
	}

	private static JsonNode backup(HttpSession http) {
		Response response = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response.json();
	}

	private static List<String> bucketKeys() {
		try (S3Client client = server.client()) {
			return client.listObjectsV2Paginator((request) -> request.bucket(BUCKET))
				.contents()
				.stream()
				.map(S3Object::key)
				.toList();
		}
	}

	private static List<String> localFiles() throws Exception {
		Path directory = temp.resolve("backups/dataSource");
		try (Stream<Path> files = Files.list(directory)) {
			return files.map((file) -> file.getFileName().toString()).toList();
		}
	}

}
