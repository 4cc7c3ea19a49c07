package dev.sqlitebackup.sample;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/** With {@code sqlite.backup.restore.enabled=false} (the library's default) a restore answers 403 and changes nothing. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sqlite.backup.restore.enabled=false")
class SqliteBackupEndpointRestoreDisabledHttpTests {

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
	void restoreIsRefusedWith403AndNothingChanges() {
		HttpSession http = new HttpSession(this.port);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		String backupId = backup.json().get("id").asString();
		assertThat(http.post("/notes", "{\"text\":\"written after the backup\"}").status()).isEqualTo(201);
		Response restore = http.post(DATABASE, "{\"action\":\"restore\",\"backupId\":\"" + backupId + "\"}");
		SqliteBackupEndpointHttpTests.assertError(restore, 403);
		assertThat(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json()))
			.isEqualTo(List.of("written after the backup"));
		// No safety backup either: the refused restore did not start.
		assertThat(SqliteBackupEndpointHttpTests.ids(http.get(DATABASE).json().get("backups")))
			.containsExactly(backupId);
	}

}
