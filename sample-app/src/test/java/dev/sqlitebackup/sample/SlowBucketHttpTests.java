package dev.sqlitebackup.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;
import dev.sqlitebackup.store.s3.FaultyRoute;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample application with backups in a bucket that answers every read one byte at a time, from
 * before the application starts: S3Proxy behind a fault-injecting proxy. Startup, health probes and
 * the application's own pages do not wait for the bucket; a backup fails within its deadline.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sqlite.backup.s3.bucket=" + SlowBucketHttpTests.BUCKET, "sqlite.backup.s3.prefix=sample/",
				"sqlite.backup.s3.path-style-access=true", "sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
				"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY, "sqlite.backup.s3.call-timeout=8s",
				"sqlite.backup.schedule.enabled=false", "server.tomcat.threads.max=4",
				// A missing database at startup would wait on the slow bucket: this test is about what comes after.
				"sqlite.backup.restore.on-startup=never" })
@ExtendWith(OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlowBucketHttpTests {

	static final String BUCKET = "slow-backups";

	private static final String DATABASE = "/actuator/sqlitebackup/dataSource";

	@TempDir
	static Path temp;

	private static S3ProxyServer server;

	private static FaultyRoute route;

	@DynamicPropertySource
	static void slowBucket(DynamicPropertyRegistry registry) throws Exception {
		server = S3ProxyServer.start(Files.createDirectories(temp.resolve("s3")));
		try (S3Client client = server.client()) {
			client.createBucket((request) -> request.bucket(BUCKET));
		}
		route = FaultyRoute.to(server.endpoint());
		route.dribble("GET", ".*", Duration.ofMinutes(2));
		registry.add("sqlite.backup.s3.endpoint", () -> route.endpoint().toString());
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
	}

	@AfterAll
	static void stop() {
		if (route != null) {
			route.close();
		}
		if (server != null) {
			server.close();
		}
	}

	@LocalServerPort
	private int port;

	@Test
	@Order(1)
	void startupLeavesTheBucketsCleanUpToTheBackground(CapturedOutput output) {
		assertThat(output).contains("goes on in the background while the application starts");
	}

	@Test
	@Order(2)
	void healthProbesAnswerAtOnceAndTheApplicationKeepsServing() throws Exception {
		HttpSession http = new HttpSession(this.port);
		List<CompletableFuture<Response>> probes = new ArrayList<>();
		long started = System.nanoTime();
		for (int i = 0; i < 12; i++) {
			probes.add(CompletableFuture.supplyAsync(() -> http.get("/actuator/health")));
		}
		Response notes = http.get("/notes");
		for (CompletableFuture<Response> probe : probes) {
			Response health = probe.get(30, TimeUnit.SECONDS);
			JsonNode database = health.json().at("/components/sqliteBackup/details/databases/dataSource");
			assertThat(database.at("/store").isMissingNode()).as(health.body()).isFalse();
		}
		assertThat(notes.status()).isEqualTo(200);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
	}

	@Test
	@Order(3)
	void aBackupFailsWithinTheDeadlineSayingTheBucketIsSlow(CapturedOutput output) {
		// Until then the startup's clean-up holds the database, and a backup is told so (409).
		await().atMost(Duration.ofSeconds(60)).until(() -> output.toString().contains("Could not clean up leftovers"));
		long started = System.nanoTime();
		Response backup = new HttpSession(this.port).post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.body()).isGreaterThanOrEqualTo(500);
		assertThat(backup.body()).contains("did not answer within the request's deadline");
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(40));
	}

	@Test
	@Order(4)
	void onceTheBucketAnswersAgainBackupsAndHealthAreBack() {
		route.heal();
		HttpSession http = new HttpSession(this.port);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.body()).isEqualTo(200);
		String id = backup.json().get("id").asString();
		await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
			Response health = http.get("/actuator/health");
			assertThat(health.json().at("/components/sqliteBackup/details/databases/dataSource/newestBackup").asString())
				.as(health.body())
				.isEqualTo(id);
		});
	}

}
