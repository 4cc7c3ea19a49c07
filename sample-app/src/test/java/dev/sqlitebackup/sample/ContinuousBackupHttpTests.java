package dev.sqlitebackup.sample;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Continuous backup over HTTP: the listing shows it, and a restore to a point in time brings back a deleted note. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sqlite.backup.continuous.enabled=true", "sqlite.backup.continuous.sync-interval=100ms" })
// The capture writes into the temporary folder every 100 ms: the application must stop before
// JUnit deletes that folder, rather than live on in Spring's context cache.
@DirtiesContext
class ContinuousBackupHttpTests {

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
	void aNoteDeletedAfterItWasCapturedComesBackWithARestoreToAnInstantBeforeTheDelete() {
		HttpSession http = new HttpSession(this.port);
		await().untilAsserted(() -> assertThat(http.get(DATABASE).json().get("continuous").get("state").asString())
			.isEqualTo("running"));
		Instant beforeNote = Instant.now();
		Response note = http.post("/notes", "{\"text\":\"kept continuously\"}");
		assertThat(note.status()).isEqualTo(201);
		// Captured once the newest segment was captured after the note was written.
		await().until(() -> Instant.parse(http.get(DATABASE).json().get("continuous").get("restoreWindow").get("to")
			.asString()).isAfter(beforeNote));
		Instant beforeDelete = Instant.now();
		assertThat(http.delete("/notes/" + note.json().get("id").asString()).status()).isLessThan(300);

		Response restore = http.post(DATABASE,
				"{\"action\":\"restore\",\"pointInTime\":\"" + beforeDelete + "\"}");

		assertThat(restore.status()).as(restore.toString()).isEqualTo(200);
		assertThat(Instant.parse(restore.json().get("restoredTo").asString())).isAfter(beforeNote);
		assertThat(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json())).isEqualTo(List.of("kept continuously"));
	}

	@Test
	void aBackupAskedForOverHttpBecomesTheSnapshotALaterRestoreToAPointStartsFrom() {
		HttpSession http = new HttpSession(this.port);
		await().untilAsserted(() -> assertThat(http.get(DATABASE).json().get("continuous").get("state").asString())
			.isEqualTo("running"));
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		Instant beforeNote = Instant.now();
		Response note = http.post("/notes", "{\"text\":\"after the backup\"}");
		assertThat(note.status()).isEqualTo(201);
		// Nothing else commits meanwhile: the first segment captured after beforeNote holds the note.
		await().until(() -> Instant.parse(http.get(DATABASE).json().get("continuous").get("restoreWindow").get("to")
			.asString()).isAfter(beforeNote));
		String deleteNote = "/notes/" + note.json().get("id").asString();
		Instant beforeDelete = Instant.now();
		assertThat(http.delete(deleteNote).status()).isLessThan(300);

		Response restore = http.post(DATABASE, "{\"action\":\"restore\",\"pointInTime\":\"" + beforeDelete + "\"}");

		assertThat(restore.status()).as(restore.toString()).isEqualTo(200);
		assertThat(restore.json().get("restoredFrom").asString()).isEqualTo(backup.json().get("id").asString());
		assertThat(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json())).contains("after the backup");
		assertThat(http.delete(deleteNote).status()).isLessThan(300);
	}

	@Test
	void aRestoreToLatestAnswers200NamingTheChainAndThatItIsTheLatest() {
		Response restore = new HttpSession(this.port).post(DATABASE,
				"{\"action\":\"restore\",\"pointInTime\":\"latest\"}");

		assertThat(restore.status()).as(restore.toString()).isEqualTo(200);
		assertThat(restore.json().get("restoredTo").asString()).endsWith("Z");
		assertThat(restore.json().get("chain").asString()).isNotBlank();
		assertThat(restore.json().get("latest").asBoolean()).isTrue();
	}

	@Test
	void aMalformedPointInTimeIs400() {
		Response restore = new HttpSession(this.port).post(DATABASE,
				"{\"action\":\"restore\",\"pointInTime\":\"yesterday\"}");

		SqliteBackupEndpointHttpTests.assertError(restore, 400);
	}

}
