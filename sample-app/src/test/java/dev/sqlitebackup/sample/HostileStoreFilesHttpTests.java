package dev.sqlitebackup.sample;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Files someone planted in the backup directory over HTTP: a pipe and a huge sparse file named like
 * manifests neither hang nor break the listing, which answers 200 with the good backups.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class HostileStoreFilesHttpTests {

	private static final String DATABASE = "/actuator/sqlitebackup/dataSource";

	private static final String PIPE_ID = "20200101T000000000Z-0a0b0c";

	private static final String HUGE_ID = "20200101T000000000Z-0d0e0f";

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("db/notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqliteBackupTemplate template;

	/** Ids of the good backups taken before the bait was planted. */
	private static List<String> good;

	@BeforeAll
	static void checkForPipes() {
		assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfifo")) || Files.isExecutable(Path.of("/bin/mkfifo")),
				"mkfifo is available");
	}

	@Test
	void listingAnswersWithTheGoodBackupsWhileAPipeAndAHugeFileLookLikeManifests() throws Exception {
		List<String> good = plantAfterTwoBackups();
		HttpSession http = new HttpSession(this.port);

		Response database = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> http.get(DATABASE));
		Response all = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> http.get("/actuator/sqlitebackup"));

		assertThat(database.status()).as(database.toString()).isEqualTo(200);
		assertThat(ids(database.json().get("backups"))).containsAll(good).doesNotContain(PIPE_ID, HUGE_ID);
		assertThat(all.status()).as(all.toString()).isEqualTo(200);
		assertThat(ids(all.json().get("databases").get(0).get("backups"))).containsAll(good)
			.doesNotContain(PIPE_ID, HUGE_ID);
	}

	@Test
	void backupGoesOnWhileAPipeLooksLikeAManifest() throws Exception {
		List<String> good = plantAfterTwoBackups();
		HttpSession http = new HttpSession(this.port);

		Response backup = assertTimeoutPreemptively(Duration.ofSeconds(60),
				() -> http.post(DATABASE, "{\"action\":\"backup\"}"));

		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		assertThat(this.template.list("dataSource")).extracting(Backup::id)
			.contains(backup.json().get("id").asString())
			.containsAll(good)
			.doesNotContain(PIPE_ID, HUGE_ID);
	}

	/** Takes two good backups and plants the bait beside them, once; answers the good backups' ids. */
	private List<String> plantAfterTwoBackups() throws Exception {
		synchronized (HostileStoreFilesHttpTests.class) {
			if (good == null) {
				List<String> ids = List.of(this.template.backup("dataSource").id(),
						this.template.backup("dataSource").id());
				Path folder = temp.resolve("backups/dataSource");
				for (String id : List.of(PIPE_ID, HUGE_ID)) {
					Files.copy(folder.resolve(ids.get(0) + ".sqlite"), folder.resolve(id + ".sqlite"));
				}
				Process mkfifo = new ProcessBuilder("mkfifo", folder.resolve(PIPE_ID + ".manifest").toString())
					.inheritIO()
					.start();
				assertThat(mkfifo.waitFor()).isZero();
				try (RandomAccessFile huge = new RandomAccessFile(folder.resolve(HUGE_ID + ".manifest").toFile(),
						"rw")) {
					huge.setLength(3L << 30);
				}
				good = ids;
			}
			return good;
		}
	}

	private static List<String> ids(JsonNode backups) {
		List<String> ids = new ArrayList<>();
		backups.forEach((backup) -> ids.add(backup.get("id").asString()));
		return ids;
	}

}
