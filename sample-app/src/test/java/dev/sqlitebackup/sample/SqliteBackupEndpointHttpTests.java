package dev.sqlitebackup.sample;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Drives the {@code sqlitebackup} endpoint's HTTP contract (DESIGN.md section 6) over real HTTP,
 * on a temporary database file and backup directory, with restores enabled as in the sample.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class SqliteBackupEndpointHttpTests {

	private static final String ENDPOINT = "/actuator/sqlitebackup";

	private static final String DATABASE = ENDPOINT + "/dataSource";

	private static final String BACKUP = "{\"action\":\"backup\"}";

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		// A directory that does not exist yet: the sample must create it before connecting.
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("db/notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.restore.enabled", () -> "true");
		// No scheduled backup may take the database's lock in the middle of a test, and pruning
		// must not delete backups that a test is about to look up.
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
		registry.add("sqlite.backup.retention.keep-last", () -> "1000");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqliteBackupTemplate template;

	private HttpSession http;

	@BeforeEach
	void connect() {
		this.http = new HttpSession(this.port);
	}

	@Test
	void listShowsTheDatabaseWithItsBackupsNewestFirst() {
		String older = backup().json().get("id").asString();
		String newer = backup().json().get("id").asString();
		Response all = this.http.get(ENDPOINT);
		assertThat(all.status()).isEqualTo(200);
		JsonNode database = all.json().get("databases").get(0);
		assertThat(database.get("name").asString()).isEqualTo("dataSource");
		assertThat(database.get("operation").isNull()).isTrue();
		List<String> ids = ids(database.get("backups"));
		assertThat(ids).containsSubsequence(newer, older);
		assertThat(ids).isSortedAccordingTo((a, b) -> b.compareTo(a));
		Response one = this.http.get(DATABASE);
		assertThat(one.status()).isEqualTo(200);
		assertThat(one.json().get("name").asString()).isEqualTo("dataSource");
		assertThat(ids(one.json().get("backups"))).containsSubsequence(newer, older);
	}

	@Test
	void backupAnswersWithTheNewBackup() {
		Response response = backup();
		JsonNode backup = response.json();
		assertThat(backup.get("id").asString()).matches("[0-9]{8}T[0-9]{9}Z-[0-9a-f]{6}");
		assertThat(backup.get("database").asString()).isEqualTo("dataSource");
		assertThat(backup.get("createdAt").asString()).endsWith("Z");
		assertThat(Instant.parse(backup.get("createdAt").asString())).isBeforeOrEqualTo(Instant.now());
		assertThat(backup.get("sizeBytes").asLong()).isPositive();
		assertThat(backup.get("sha256").asString()).matches("[0-9a-f]{64}");
		assertThat(backup.get("compression").asString()).isEqualTo("none");
		assertThat(backup.get("verified").asBoolean()).isTrue();
		assertThat(backup.get("trigger").asString()).isEqualTo("manual");
		assertThat(backup.get("safetyBackup").asBoolean()).isFalse();
		assertThat(backup.get("encrypted").asBoolean()).isFalse();
		assertThat(backup.get("encryptionKeyId").isNull()).isTrue();
		assertThat(backup.get("pageCount").asLong()).isPositive();
		assertThat(backup.get("durationMillis").isNumber()).isTrue();
		assertThat(backup.has("locations")).as("only listings say where backups are kept").isFalse();
		JsonNode listed = find(this.http.get(DATABASE).json().get("backups"), backup.get("id").asString());
		assertThat(listed).isNotNull();
		assertThat(listed.get("locations").toString()).isEqualTo("[\"local\"]");
	}

	@Test
	void restoreBringsBackTheBackedUpStateAndListsTheSafetyBackup() {
		String before = createNote("written before the backup");
		String backupId = backup().json().get("id").asString();
		String after = createNote("written after the backup");
		assertThat(this.http.delete("/notes/" + idOf(before)).status()).isEqualTo(204);
		Response restored = this.http.post(DATABASE,
				"{\"action\":\"restore\",\"backupId\":\"" + backupId + "\"}");
		assertThat(restored.status()).as(restored.toString()).isEqualTo(200);
		assertThat(restored.json().get("restoredFrom").asString()).isEqualTo(backupId);
		assertThat(restored.json().get("database").asString()).isEqualTo("dataSource");
		assertThat(restored.json().get("durationMillis").isNumber()).isTrue();
		String safetyBackupId = restored.json().get("safetyBackupId").asString();
		assertThat(safetyBackupId).isNotBlank().isNotEqualTo(backupId);
		List<String> texts = texts(this.http.get("/notes").json());
		assertThat(texts).contains("written before the backup").doesNotContain("written after the backup");
		assertThat(this.http.get("/notes/" + idOf(after)).status()).isEqualTo(404);
		JsonNode safety = find(this.http.get(DATABASE).json().get("backups"), safetyBackupId);
		assertThat(safety).as("safety backup is listed").isNotNull();
		assertThat(safety.get("trigger").asString()).isEqualTo("safety");
		assertThat(safety.get("safetyBackup").asBoolean()).isTrue();
	}

	@Test
	void unknownDatabaseAnswers404() {
		assertError(this.http.get(ENDPOINT + "/nosuchdb"), 404);
		assertError(this.http.post(ENDPOINT + "/nosuchdb", BACKUP), 404);
	}

	@Test
	void unknownDatabaseAnswerNamesTheKnownDatabases() {
		for (Response response : List.of(this.http.get(ENDPOINT + "/datasource"),
				this.http.post(ENDPOINT + "/datasource", BACKUP))) {
			assertError(response, 404);
			assertThat(response.json().path("message").asString()).as(response.toString())
				.isEqualTo("No SQLite database named 'datasource'; the databases are dataSource");
		}
	}

	@Test
	void unknownBackupAnswers404() {
		assertError(restore("20200101T000000000Z-abcdef"), 404);
	}

	@Test
	void malformedActionOrIdAnswers400() {
		assertError(this.http.post(DATABASE, "{\"action\":\"drop\"}"), 400);
		assertError(this.http.post(DATABASE, "{}"), 400);
		assertError(this.http.post(DATABASE, "{\"action\":\"restore\"}"), 400);
		assertError(restore("../../../etc/passwd"), 400);
		assertError(restore("20200101T000000000Z-abcdef/../x"), 400);
	}

	@Test
	void failureInsideTheOperationAnswers500WithAShortMessageAndChangesNothing() throws IOException {
		createNote("kept when the restore fails");
		String backupId = backup().json().get("id").asString();
		createNote("still there after the failed restore");
		List<String> before = texts(this.http.get("/notes").json());
		int backupsBefore = this.http.get(DATABASE).json().get("backups").size();
		// Damage the stored bytes: the restore must notice before touching the live database.
		Path file = temp.resolve("backups/dataSource/" + backupId + ".sqlite");
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "rw")) {
			bytes.seek(bytes.length() / 2);
			bytes.write(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
		}
		Response response = restore(backupId);
		assertError(response, 500);
		assertThat(texts(this.http.get("/notes").json())).isEqualTo(before);
		assertThat(this.http.get(DATABASE).json().get("backups").size()).isEqualTo(backupsBefore);
	}

	@Test
	void operationRunningIsListedWithProgressAndOthersAnswer409() throws Exception {
		createNote("something to copy");
		CountDownLatch copying = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicBoolean armed = new AtomicBoolean(true);
		this.template.addListener(new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				// Holds the first backup mid-copy, with its lock taken, until the test lets go.
				if (armed.compareAndSet(true, false)) {
					copying.countDown();
					await(release);
				}
			}

		});
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			Future<Response> running = executor.submit(() -> this.http.post(DATABASE, BACKUP));
			assertThat(copying.await(30, TimeUnit.SECONDS)).as("backup reached its first progress report").isTrue();
			try {
				JsonNode operation = this.http.get(ENDPOINT).json().get("databases").get(0).get("operation");
				assertThat(operation.get("type").asString()).isEqualTo("backup");
				assertThat(operation.get("pagesTotal").asLong()).isPositive();
				assertThat(operation.has("pagesDone")).isTrue();
				assertThat(operation.has("percentDone")).isTrue();
				assertThat(this.http.get(DATABASE).json().get("operation").get("type").asString()).isEqualTo("backup");
				assertError(this.http.post(DATABASE, BACKUP), 409);
				String someBackup = this.http.get(DATABASE).json().get("backups").path(0).path("id").asString("");
				if (!someBackup.isEmpty()) {
					assertError(restore(someBackup), 409);
				}
			}
			finally {
				release.countDown();
			}
			assertThat(running.get(60, TimeUnit.SECONDS).status()).isEqualTo(200);
		}
		finally {
			armed.set(false);
			release.countDown();
			executor.shutdownNow();
		}
	}

	@Test
	void concurrentPostsAnswerOnly200Or409() throws Exception {
		createNote("copied by concurrent backups");
		int callers = 6;
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService executor = Executors.newFixedThreadPool(callers);
		try {
			List<CompletableFuture<Integer>> statuses = new ArrayList<>();
			for (int i = 0; i < callers; i++) {
				statuses.add(CompletableFuture.supplyAsync(() -> {
					await(start);
					return this.http.post(DATABASE, BACKUP).status();
				}, executor));
			}
			start.countDown();
			List<Integer> answered = new ArrayList<>();
			for (CompletableFuture<Integer> status : statuses) {
				answered.add(status.get(60, TimeUnit.SECONDS));
			}
			assertThat(Set.copyOf(answered)).isSubsetOf(200, 409).contains(200);
		}
		finally {
			executor.shutdownNow();
		}
	}

	private Response backup() {
		Response response = this.http.post(DATABASE, BACKUP);
		assertThat(response.status()).as(response.toString()).isEqualTo(200);
		return response;
	}

	private Response restore(String backupId) {
		return this.http.post(DATABASE, "{\"action\":\"restore\",\"backupId\":\"" + backupId + "\"}");
	}

	private String createNote(String text) {
		Response response = this.http.post("/notes", "{\"text\":\"" + text + "\"}");
		assertThat(response.status()).as(response.toString()).isEqualTo(201);
		return response.body();
	}

	private long idOf(String note) {
		return parse(note).get("id").asLong();
	}

	static void assertError(Response response, int status) {
		assertThat(response.status()).as(response.toString()).isEqualTo(status);
		String message = response.json().path("message").asString("");
		assertThat(message).as(response.toString()).isNotBlank().hasSizeLessThan(400);
		assertThat(response.body()).doesNotContain("\tat ", "Exception", "trace");
	}

	static List<String> ids(JsonNode backups) {
		List<String> ids = new ArrayList<>();
		backups.forEach((backup) -> ids.add(backup.get("id").asString()));
		return ids;
	}

	static List<String> texts(JsonNode notes) {
		List<String> texts = new ArrayList<>();
		notes.forEach((note) -> texts.add(note.get("text").asString()));
		return texts;
	}

	private static JsonNode find(JsonNode backups, String id) {
		for (JsonNode backup : backups) {
			if (backup.get("id").asString().equals(id)) {
				return backup;
			}
		}
		return null;
	}

	private static JsonNode parse(String json) {
		return tools.jackson.databind.json.JsonMapper.builder().build().readTree(json);
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
