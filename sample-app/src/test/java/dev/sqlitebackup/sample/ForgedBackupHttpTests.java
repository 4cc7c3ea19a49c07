package dev.sqlitebackup.sample;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.sample.HttpSession.Response;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample application with encrypted backups, and someone with write access to the backup
 * directory who plants a plaintext backup with a later id: it is listed as unauthenticated, and a
 * restore of it is refused with a message that says why, leaving the live data as it was.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sqlite.backup.restore.enabled=true", "sqlite.backup.schedule.enabled=false" })
class ForgedBackupHttpTests {

	private static final String DATABASE = "/actuator/sqlitebackup/dataSource";

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void temporaryFiles(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("notes.db"));
		registry.add("sqlite.backup.directory", () -> temp.resolve("backups").toString());
		registry.add("sqlite.backup.encryption.key", () -> Base64.getEncoder().encodeToString(new byte[32]));
	}

	@LocalServerPort
	private int port;

	@Test
	void plantedNewestPlaintextBackupIsListedAsUnauthenticatedAndRefusedForRestore() throws Exception {
		HttpSession http = new HttpSession(this.port);
		assertThat(http.post("/notes", "{\"text\":\"real\"}").status()).isEqualTo(201);
		Response backup = http.post(DATABASE, "{\"action\":\"backup\"}");
		assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
		assertThat(backup.json().get("authenticated").asBoolean()).isTrue();
		String planted = plantPlaintextBackup();

		JsonNode backups = http.get(DATABASE).json().get("backups");
		assertThat(backups.get(0).get("id").asString()).isEqualTo(planted);
		assertThat(backups.get(0).get("authenticated").asBoolean()).isFalse();
		assertThat(backups.get(1).get("authenticated").asBoolean()).isTrue();

		Response restore = http.post(DATABASE, "{\"action\":\"restore\",\"backupId\":\"" + planted + "\"}");
		assertThat(restore.status()).as(restore.toString()).isEqualTo(500);
		assertThat(restore.json().get("message").asString()).contains("is refused", "is not encrypted",
				"sqlite.backup.encryption.allow-unencrypted-restore=true", "the live database was not changed");
		assertThat(SqliteBackupEndpointHttpTests.texts(http.get("/notes").json())).containsExactly("real");
	}

	/** A plain copy of the live database with one more note, and a manifest saying it is not encrypted. */
	private static String plantPlaintextBackup() throws Exception {
		Instant createdAt = Instant.now().plusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
		String id = BackupIds.next(createdAt);
		Path file = temp.resolve("backups/dataSource/" + id + ".sqlite");
		long pageCount;
		try (Connection live = DriverManager.getConnection("jdbc:sqlite:" + temp.resolve("notes.db"));
				Statement statement = live.createStatement()) {
			statement.execute("VACUUM INTO '" + file + "'");
		}
		try (Connection copy = DriverManager.getConnection("jdbc:sqlite:" + file);
				Statement statement = copy.createStatement()) {
			statement.execute("INSERT INTO note (text, created_at) VALUES ('planted', '2030-01-01T00:00:00Z')");
			try (ResultSet result = statement.executeQuery("PRAGMA page_count")) {
				result.next();
				pageCount = result.getLong(1);
			}
		}
		String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
		Backup backup = new Backup(id, "dataSource", createdAt, Files.size(file), sha256, 4096, pageCount, "delete",
				"3.54.1", Backup.NO_COMPRESSION, true, VerifyMode.QUICK, Duration.ofMillis(5), BackupTrigger.SCHEDULED);
		Files.writeString(file.resolveSibling(id + ".manifest"), ManifestFormat.write(backup),
				StandardCharsets.ISO_8859_1);
		return id;
	}

}
