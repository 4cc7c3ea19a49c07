package dev.sqlitebackup.sample;

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

/** With {@code management.endpoint.sqlitebackup.access=read-only} the GETs work and both POSTs are gone. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.sqlitebackup.access=read-only")
class SqliteBackupEndpointReadOnlyHttpTests {

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
	void readsWorkAndWritesAreRefused() {
		HttpSession http = new HttpSession(this.port);
		assertThat(http.get("/actuator/sqlitebackup").status()).isEqualTo(200);
		assertThat(http.get("/actuator/sqlitebackup/dataSource").status()).isEqualTo(200);
		Response backup = http.post("/actuator/sqlitebackup/dataSource", "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isBetween(400, 499);
		Response restore = http.post("/actuator/sqlitebackup/dataSource",
				"{\"action\":\"restore\",\"backupId\":\"20200101T000000000Z-abcdef\"}");
		assertThat(restore.status()).as(restore.toString()).isBetween(400, 499);
		assertThat(http.get("/actuator/sqlitebackup/dataSource").json().get("backups").size()).isZero();
	}

}
