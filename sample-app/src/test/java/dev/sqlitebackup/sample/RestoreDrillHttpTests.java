package dev.sqlitebackup.sample;

import java.io.RandomAccessFile;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A restore drill over HTTP: it passes on a good backup with the sample's own check, fails on a
 * backup whose bytes changed, and health and metrics follow the last drill.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RestoreDrillHttpTests {

	private static final String DATABASE = "/actuator/sqlitebackup/dataSource";

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
	}

	@LocalServerPort
	private int port;

	@Test
	void aDrillPassesOnAGoodBackupThenFailsOnAChangedOneAndHealthAndMetricsFollow() throws Exception {
		HttpSession http = new HttpSession(this.port);
		assertThat(http.post("/notes", "{\"text\":\"buy milk\"}").status()).isEqualTo(201);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		String backupId = backup.json().get("id").asString();

		Response passed = http.post(DATABASE, "{\"action\":\"drill\"}");
		assertThat(passed.status()).as(passed.toString()).isEqualTo(200);
		assertThat(passed.json().get("database").asString()).isEqualTo("dataSource");
		assertThat(passed.json().get("passed").asBoolean()).isTrue();
		assertThat(passed.json().get("backupId").asString()).isEqualTo(backupId);
		assertThat(passed.json().get("restoredTo").isNull()).isTrue();
		assertThat(passed.json().get("checkedAt").asString()).isNotBlank();
		assertThat(passed.json().get("durationMillis").isNumber()).isTrue();
		assertThat(passed.json().get("problems").isEmpty()).isTrue();
		assertThat(passed.json().get("checks").get(0).get("name").asString()).isEqualTo("notes");
		assertThat(passed.json().get("checks").get(0).get("message").asString()).startsWith("1 notes");
		assertThat(http.get(DATABASE).json().get("lastDrill").get("passed").asBoolean()).isTrue();
		assertThat(http.get("/actuator/health/sqliteBackup").status()).isEqualTo(200);

		flipAByte(temp.resolve("backups").resolve("dataSource").resolve(backupId + ".sqlite"));
		Response failed = http.post(DATABASE, "{\"action\":\"drill\"}");
		assertThat(failed.status()).as(failed.toString()).isEqualTo(200);
		assertThat(failed.json().get("passed").asBoolean()).isFalse();
		assertThat(failed.json().get("problems").get(0).asString()).contains(backupId).contains("SHA-256");

		Response health = http.get("/actuator/health/sqliteBackup");
		assertThat(health.status()).as(health.toString()).isEqualTo(503);
		assertThat(health.json().at("/details/databases/dataSource/reason").asString())
			.contains("the last restore drill failed");
		Response metrics = http.get("/actuator/metrics/sqlite.backup.drill?tag=outcome:failure");
		assertThat(metrics.status()).as(metrics.toString()).isEqualTo(200);
		assertThat(metrics.json().at("/measurements/0/value").asDouble()).isEqualTo(1.0);
		assertThat(http.get(DATABASE).json().get("lastDrill").get("passed").asBoolean()).isFalse();
	}

	@Test
	void aDrillWithAnythingElseThanTheActionIsABadRequest() {
		HttpSession http = new HttpSession(this.port);
		Response response = http.post(DATABASE, "{\"action\":\"drill\",\"backupId\":\"20261203T000000000Z-000000\"}");
		SqliteBackupEndpointHttpTests.assertError(response, 400);
	}

	private static void flipAByte(Path file) throws Exception {
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
			long middle = bytes.length() / 2;
			bytes.seek(middle);
			int value = bytes.read();
			bytes.seek(middle);
			bytes.write(value ^ 0xFF);
		}
	}

}
