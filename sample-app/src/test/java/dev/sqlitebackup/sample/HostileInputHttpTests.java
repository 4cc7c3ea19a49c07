package dev.sqlitebackup.sample;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/**
 * Hostile input over real HTTP: every request answers 4xx without a stack trace, and no file under the
 * test's directory (live database and backups included) is created, deleted or changed because of it.
 * <p>
 * Cases are templates: {@code {id}} is a real, listed backup, {@code {live}} the absolute path of the live
 * database, {@code {backup-file}} the absolute path of a real backup file, {@code {outside}} a directory next
 * to the backups and {@code {planted}} the file name of a well-formed id that lies both in the backup
 * directory (without a manifest, so never listed) and in {@code {outside}}; {@code -url} variants are
 * percent-encoded for a URL path. Reads cannot be seen in file times, so the bait files stand in for them: a
 * request that reached one would have been answered 200.
 */
// Some huge bodies are refused after their first bytes. Tomcat then reads at most max-swallow-size
// (2 MB by default) of the rest before it closes the connection, and closing with unread bytes sends
// a TCP reset that can discard the 400 before the client reads it ("chunked transfer encoding,
// state: READING_LENGTH" once on a loaded machine). Reading the whole body keeps the answer readable.
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "server.tomcat.max-swallow-size=64MB")
class HostileInputHttpTests {

	private static final String ENDPOINT = "/actuator/sqlitebackup/";

	private static final String DATABASE = ENDPOINT + "dataSource";

	private static final String JSON = "application/json";

	private static final String PLANTED_ID = "20200101T000000000Z-0a0b0c";

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("db/notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		// Restores on, so that a hostile restore is refused for what it is rather than for being a restore.
		registry.add("sqlite.backup.restore.enabled", () -> "true");
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
	}

	@LocalServerPort
	private int port;

	@Autowired
	private SqliteBackupTemplate template;

	private HttpSession http;

	private Backup backup;

	@BeforeEach
	void prepare() throws IOException {
		this.http = new HttpSession(this.port);
		if (this.template.list("dataSource").isEmpty()) {
			Response note = this.http.post("/notes", "{\"text\":\"must survive every hostile request\"}");
			assertThat(note.status()).as(note.toString()).isEqualTo(201);
			this.template.backup("dataSource");
			// Bait: a well-formed id with bytes but no manifest, and a database file outside the store.
			Path data = temp.resolve("backups/dataSource");
			Files.copy(data.resolve(this.template.list("dataSource").get(0).id() + ".sqlite"),
					data.resolve(PLANTED_ID + ".sqlite"));
			Files.createDirectories(temp.resolve("outside"));
			Files.copy(data.resolve(PLANTED_ID + ".sqlite"), temp.resolve("outside/" + PLANTED_ID + ".sqlite"));
		}
		this.backup = this.template.list("dataSource").get(0);
	}

	@ParameterizedTest
	@MethodSource("databaseNames")
	void hostileDatabaseNameInAGetAnswers4xxAndTouchesNothing(String name) {
		assertRefusedAndHarmless("GET", ENDPOINT + expand(name), null, new byte[0]);
	}

	@ParameterizedTest
	@MethodSource("databaseNames")
	void hostileDatabaseNameInABackupAnswers4xxAndTouchesNothing(String name) {
		assertRefusedAndHarmless("POST", ENDPOINT + expand(name), JSON, bytes("{\"action\":\"backup\"}"));
	}

	@ParameterizedTest
	@MethodSource("backupIds")
	void hostileBackupIdInARestoreAnswers4xxAndTouchesNothing(String id) {
		String body = "{\"action\":\"restore\",\"backupId\":\"" + expand(id) + "\"}";
		assertRefusedAndHarmless("POST", DATABASE, JSON, bytes(body));
	}

	@ParameterizedTest
	@MethodSource("bodies")
	void hostileBodyAnswers4xxAndTouchesNothing(String contentType, String body) {
		assertRefusedAndHarmless("POST", DATABASE, contentType.isEmpty() ? null : contentType, bytes(expand(body)));
	}

	@ParameterizedTest
	@MethodSource("queries")
	void hostileQueryStringAnswers4xxAndTouchesNothing(String query, String body) {
		assertRefusedAndHarmless("POST", DATABASE + "?" + expand(query), JSON, bytes(expand(body)));
	}

	@ParameterizedTest
	@MethodSource("otherDatabaseThanThePath")
	void argumentNamingAnotherDatabaseThanThePathAnswers4xxAndTouchesNothing(String query, String body) {
		// Without the check, actuator lets the body or query replace the path's database and backs up dataSource.
		assertRefusedAndHarmless("POST", ENDPOINT + "somethingElse" + query, JSON, bytes(body));
	}

	static Stream<Arguments> otherDatabaseThanThePath() {
		return Stream.of(argumentSet("database in the body", "", "{\"action\":\"backup\",\"database\":\"dataSource\"}"),
				argumentSet("database in the query", "?database=dataSource", "{\"action\":\"backup\"}"));
	}

	@ParameterizedTest
	@MethodSource("hugeBodies")
	void hugeBodyAnswers4xxAndTouchesNothing(String body) {
		assertRefusedAndHarmless("POST", DATABASE, JSON, bytes(body));
	}

	// Database names are sent as the path segment after /actuator/sqlitebackup/, exactly as written.
	static Stream<Arguments> databaseNames() {
		return Stream.of(argumentSet("dot-dot segments above the root", "../../../../../etc/passwd"),
				argumentSet("encoded dot-dot segments above the root", "%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
				argumentSet("encoded slashes to the live database", "..%2F..%2Fdb%2Fnotes.db"),
				argumentSet("encoded dots and slashes", "%2e%2e%2f%2e%2e%2fdb%2fnotes.db"),
				argumentSet("encoded backslashes", "..%5C..%5Cdb%5Cnotes.db"),
				argumentSet("absolute path, encoded", "{live-url}"),
				argumentSet("absolute path as segments", "{live}"),
				argumentSet("absolute path to a backup directory", "{outside-url}"),
				argumentSet("NUL at the end", "dataSource%00"),
				argumentSet("NUL then a path", "dataSource%00%2F..%2F..%2Fdb"),
				argumentSet("line feed", "dataSource%0A"),
				argumentSet("CR LF and a header", "dataSource%0D%0ASet-Cookie:%20x=1"),
				argumentSet("tab", "data%09Source"),
				argumentSet("fullwidth solidus", "..%EF%BC%8F..%EF%BC%8Fdb%EF%BC%8Fnotes.db"),
				argumentSet("Cyrillic es look-alike", "dataSour%D1%81e"),
				argumentSet("zero-width space", "data%E2%80%8BSource"),
				argumentSet("overlong UTF-8 dots and slash", "%C0%AE%C0%AE%C0%AFdb"),
				argumentSet("double-encoded slash", "..%252F..%252Fdb"),
				argumentSet("other letter case", "DATASOURCE"),
				argumentSet("10 000 characters", "a".repeat(10_000)),
				argumentSet("10 000 characters of encoded dots", "%2e".repeat(3_334)));
	}

	// Backup ids are sent as the backupId of a restore of the real database, inside a JSON string.
	static Stream<Arguments> backupIds() {
		return Stream.of(argumentSet("dot-dot path to the live database", "../../db/notes.db"),
				argumentSet("absolute path to the live database", "{live}"),
				argumentSet("absolute path to a real backup file", "{backup-file}"),
				argumentSet("absolute path outside the store", "{outside}/{planted}"),
				argumentSet("real id then a path", "{id}/../../../db/notes.db"),
				argumentSet("dot-dot then a real id", "../dataSource/{id}"),
				argumentSet("backslashes", "..\\\\..\\\\db\\\\notes.db"),
				argumentSet("URL-encoded separators", "..%2F..%2Fdb%2Fnotes.db"),
				argumentSet("URL-encoded real id", "{id-url}%2F.."),
				argumentSet("NUL after a real id", "{id}\\u0000"),
				argumentSet("NUL inside a real id", "{id-nul}"),
				argumentSet("line feed after a real id", "{id}\\n"),
				argumentSet("control characters", "\\u0001\\u001b[31m\\u007f"),
				argumentSet("leading space before a real id", " {id}"),
				argumentSet("fullwidth digits", fullwidth(PLANTED_ID)),
				argumentSet("Cyrillic Te look-alike in a real id", "{id-cyrillic}"),
				argumentSet("uppercase hex", "20200101T000000000Z-0A0B0C"),
				argumentSet("well-formed id of a file the store does not list", PLANTED_ID),
				argumentSet("10 000 characters", "0".repeat(10_000)),
				argumentSet("empty", ""));
	}

	// Content type (empty for none) and body of a POST to the real database.
	static Stream<Arguments> bodies() {
		return Stream.of(argumentSet("action is a number", JSON, "{\"action\":5}"),
				argumentSet("action is a boolean", JSON, "{\"action\":true}"),
				argumentSet("action is null", JSON, "{\"action\":null}"),
				argumentSet("action is an array", JSON, "{\"action\":[\"backup\"]}"),
				argumentSet("action is an object", JSON, "{\"action\":{\"name\":\"backup\"}}"),
				argumentSet("backupId is a number", JSON, "{\"action\":\"restore\",\"backupId\":20200101}"),
				argumentSet("backupId is an object", JSON,
						"{\"action\":\"restore\",\"backupId\":{\"path\":\"{live}\"}}"),
				argumentSet("backupId is an array of a real id", JSON,
						"{\"action\":\"restore\",\"backupId\":[\"{id}\"]}"),
				argumentSet("backupId is a boolean", JSON, "{\"action\":\"restore\",\"backupId\":true}"),
				argumentSet("body is an array", JSON, "[\"backup\"]"),
				argumentSet("body is a string", JSON, "\"backup\""),
				argumentSet("body is a number", JSON, "5"),
				argumentSet("body is null", JSON, "null"),
				argumentSet("empty object", JSON, "{}"),
				argumentSet("empty body", JSON, ""),
				argumentSet("no body and no content type", "", ""),
				argumentSet("restore without backupId", JSON, "{\"action\":\"restore\"}"),
				argumentSet("backupId without action", JSON, "{\"backupId\":\"{id}\"}"),
				argumentSet("blank action", JSON, "{\"action\":\" \"}"),
				argumentSet("unknown action", JSON, "{\"action\":\"delete\",\"backupId\":\"{id}\"}"),
				argumentSet("action with a NUL", JSON, "{\"action\":\"backup\\u0000\"}"),
				argumentSet("action with a line feed", JSON, "{\"action\":\"backup\\n\"}"),
				argumentSet("action with a control character", JSON,
						"{\"action\":\"restore\\u001f\",\"backupId\":\"{id}\"}"),
				argumentSet("action with a Kelvin sign for k", JSON, "{\"action\":\"bac\\u212aup\"}"),
				argumentSet("action in fullwidth letters", JSON,
						"{\"action\":\"\\uff42\\uff41\\uff43\\uff4b\\uff55\\uff50\"}"),
				argumentSet("backup with a directory", JSON,
						"{\"action\":\"backup\",\"directory\":\"{outside}\"}"),
				argumentSet("backup with a database", JSON, "{\"action\":\"backup\",\"database\":\"../../db\"}"),
				argumentSet("restore with a file", JSON,
						"{\"action\":\"restore\",\"backupId\":\"{id}\",\"file\":\"{outside}/{planted}\"}"),
				argumentSet("unterminated object", JSON, "{\"action\":\"backup\""),
				argumentSet("unquoted names", JSON, "{action:backup}"),
				argumentSet("single quotes", JSON, "{'action':'backup'}"),
				argumentSet("two documents", JSON, "{\"action\":\"delete\"} {\"action\":\"backup\"}"),
				argumentSet("not JSON", JSON, "action=backup"),
				argumentSet("NUL bytes", JSON, "\u0000\u0000\u0000"),
				argumentSet("invalid UTF-8", JSON, "{\"action\":\"{0xff}backup\"}"),
				argumentSet("form-encoded backup", "application/x-www-form-urlencoded", "action=backup"),
				argumentSet("plain-text backup", "text/plain", "{\"action\":\"backup\"}"),
				argumentSet("XML backup", "application/xml", "<action>backup</action>"));
	}

	// Actuator also reads operation arguments from the query string: query and body of a POST to the real database.
	static Stream<Arguments> queries() {
		return Stream.of(
				argumentSet("backupId path in the query", "backupId=..%2F..%2Fdb%2Fnotes.db", "{\"action\":\"restore\"}"),
				argumentSet("absolute backupId in the query", "backupId={live-url}", "{\"action\":\"restore\"}"),
				argumentSet("directory in the query", "directory={outside-url}", "{\"action\":\"backup\"}"),
				argumentSet("database path in the query", "database=..%2F..%2Fdb", "{\"action\":\"backup\"}"),
				argumentSet("action with a NUL in the query", "action=backup%00", "{}"),
				argumentSet("two actions in the query", "action=backup&action=restore", "{}"));
	}

	static Stream<Arguments> hugeBodies() {
		return Stream.of(argumentSet("5 MB of padding beside a backup", "{\"action\":\"backup\",\"padding\":\""
				+ "x".repeat(5 << 20) + "\"}"),
				argumentSet("20 MB backupId", "{\"action\":\"restore\",\"backupId\":\"" + "0".repeat(20 << 20) + "\"}"),
				argumentSet("8 MB action", "{\"action\":\"" + "backup".repeat(8 << 17) + "\"}"),
				argumentSet("5 MB of nested arrays", "[".repeat(5 << 20)),
				argumentSet("10 MB of whitespace before an unknown action", " ".repeat(10 << 20) + "{\"action\":\"drop\"}"),
				argumentSet("5 MB array of backupIds", "{\"action\":\"restore\",\"backupId\":["
						+ "\"20200101T000000000Z-0a0b0c\",".repeat(5 << 20 >> 5) + "\"x\"]}"));
	}

	private void assertRefusedAndHarmless(String method, String path, @Nullable String contentType, byte[] body) {
		String notes = this.http.get("/notes").body();
		Map<String, String> files = snapshot();
		Response response = this.http.send(method, path, contentType, body);
		assertThat(response.status()).as(abbreviated(response)).isBetween(400, 499);
		assertThat(response.body()).as("no stack trace or exception in the answer")
			.doesNotContain("\tat ", "at dev.", "at org.", "Exception", "java.")
			.hasSizeLessThan(1000);
		assertThat(snapshot()).as("files after the request").isEqualTo(files);
		assertThat(this.http.get("/notes").body()).as("live database content").isEqualTo(notes);
	}

	private static String abbreviated(Response response) {
		String text = response.toString();
		return (text.length() > 2000) ? text.substring(0, 2000) + "..." : text;
	}

	/** Every file and directory under the test's directory with its size and modification time. */
	private static Map<String, String> snapshot() {
		Map<String, String> files = new TreeMap<>();
		try (Stream<Path> paths = Files.walk(temp)) {
			paths.forEach((path) -> {
				try {
					BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
					// SQLite's shared-memory index is written by every reader, so only its presence counts.
					String state = path.toString().endsWith("-shm") ? "shm"
							: attributes.size() + " bytes, modified " + attributes.lastModifiedTime();
					files.put(temp.relativize(path).toString(), state);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return files;
	}

	private String expand(String template) {
		String live = temp.resolve("db/notes.db").toAbsolutePath().toString();
		String outside = temp.resolve("outside").toAbsolutePath().toString();
		String id = this.backup.id();
		return template.replace("{live-url}", url(live))
			.replace("{live}", live)
			.replace("{outside-url}", url(outside))
			.replace("{outside}", outside)
			.replace("{backup-file}", temp.resolve("backups/dataSource/" + id + ".sqlite").toAbsolutePath().toString())
			.replace("{planted}", PLANTED_ID + ".sqlite")
			.replace("{id-url}", url(id))
			.replace("{id-nul}", id.substring(0, 10) + "\\u0000" + id.substring(11))
			.replace("{id-cyrillic}", id.replace('T', '\u0422'))
			.replace("{id}", id);
	}

	private static String url(String text) {
		return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
	}

	/** UTF-8, except that {@code {0xff}} stands for a byte that no UTF-8 text contains. */
	private static byte[] bytes(String body) {
		return body.replace("{0xff}", "\u00ff").getBytes(body.contains("{0xff}") ? StandardCharsets.ISO_8859_1
				: StandardCharsets.UTF_8);
	}

	private static String fullwidth(String text) {
		StringBuilder result = new StringBuilder();
		text.chars().forEach((c) -> result.append(Character.isDigit(c) ? (char) (c - '0' + '\uff10') : (char) c));
		return result.toString();
	}

}
