package dev.sqlitebackup.sample;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * A restore over HTTP while clients keep creating notes: every note the application acknowledged
 * with 201 is afterwards either in the restored database or in the restore's safety backup.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RestoreUnderWritesHttpTests {

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
	void everyAcknowledgedNoteIsInTheRestoredDatabaseOrTheSafetyBackup() throws Exception {
		HttpSession http = new HttpSession(this.port);
		assertThat(http.post("/notes", "{\"text\":\"before the backup\"}").status()).isEqualTo(201);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		AtomicBoolean running = new AtomicBoolean(true);
		List<Thread> writers = new ArrayList<>();
		for (int w = 0; w < 3; w++) {
			String writer = "writer-" + w;
			Thread thread = new Thread(() -> {
				HttpSession client = new HttpSession(this.port);
				for (int n = 0; running.get(); n++) {
					String text = writer + "-" + n;
					if (client.post("/notes", "{\"text\":\"" + text + "\"}").status() == 201) {
						acknowledged.add(text);
					}
				}
			});
			thread.start();
			writers.add(thread);
		}
		Thread.sleep(300);
		Response restore = http.post(DATABASE,
				"{\"action\":\"restore\",\"backupId\":\"" + backup.json().get("id").asString() + "\"}");
		Thread.sleep(300);
		running.set(false);
		for (Thread thread : writers) {
			thread.join();
		}
		assertThat(restore.status()).as(restore.toString()).isEqualTo(200);
		String safetyBackupId = restore.json().get("safetyBackupId").asString();
		Set<String> kept = new HashSet<>(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json()));
		kept.addAll(notesIn(temp.resolve("backups/dataSource/" + safetyBackupId + ".sqlite")));
		assertThat(acknowledged).hasSizeGreaterThan(10);
		assertThat(kept).containsAll(acknowledged);
	}

	private static List<String> notesIn(Path database) throws Exception {
		List<String> texts = new ArrayList<>();
		try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT text FROM note")) {
			while (rows.next()) {
				texts.add(rows.getString(1));
			}
		}
		return texts;
	}

}
