package dev.sqlitebackup.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database file is deleted under the running application: a backup answers 500 saying so,
 * health goes down, a restore changes nothing, and no empty database file appears in its place.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class VanishedDatabaseHttpTests {

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

	@Autowired
	private DataSource dataSource;

	@Test
	void deletedDatabaseFileFailsBackupAndRestoreAndTakesHealthDown() throws Exception {
		HttpSession http = new HttpSession(this.port);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		// Every connection the pool keeps is open before the file goes: a new one would create it again.
		List<Connection> connections = new ArrayList<>();
		for (int i = 0; i < ((HikariDataSource) this.dataSource).getMaximumPoolSize(); i++) {
			connections.add(this.dataSource.getConnection());
		}
		for (Connection connection : connections) {
			connection.close();
		}
		Path file = temp.resolve("notes.db");
		for (String suffix : new String[] { "", "-wal", "-shm" }) {
			Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
		}
		Response failed = http.post(DATABASE, "{\"action\":\"backup\"}");
		SqliteBackupEndpointHttpTests.assertError(failed, 500);
		assertThat(failed.json().path("message").asString()).contains("does not exist");
		Response health = http.get("/actuator/health/sqliteBackup");
		assertThat(health.status()).as(health.toString()).isEqualTo(503);
		Response restore = http.post(DATABASE,
				"{\"action\":\"restore\",\"backupId\":\"" + backup.json().get("id").asString() + "\"}");
		SqliteBackupEndpointHttpTests.assertError(restore, 500);
		assertThat(file).doesNotExist();
		assertThat(SqliteBackupEndpointHttpTests.ids(http.get(DATABASE).json().get("backups")))
			.containsExactly(backup.json().get("id").asString());
	}

}
