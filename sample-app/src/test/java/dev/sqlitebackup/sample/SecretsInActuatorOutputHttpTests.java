package dev.sqlitebackup.sample;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.sqlitebackup.sample.HttpSession.Response;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encryption keys never show in {@code /actuator/env} or {@code /actuator/configprops}, even with
 * {@code show-values=always}, while ordinary properties do.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=env,configprops",
				"management.endpoint.env.show-values=always", "management.endpoint.configprops.show-values=always" })
class SecretsInActuatorOutputHttpTests {

	private static final String KEY = randomKey();

	private static final String OLD_KEY = randomKey();

	@TempDir
	static Path temp;

	@DynamicPropertySource
	static void properties(DynamicPropertyRegistry registry) {
		registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + temp.resolve("notes.db"));
		registry.add("sqlite.backup.directory", () -> backups().toString());
		registry.add("sqlite.backup.schedule.enabled", () -> "false");
		registry.add("sqlite.backup.encryption.key", () -> KEY);
		registry.add("sqlite.backup.encryption.key-id", () -> "2026-11");
		// As with an environment variable a placeholder points to: the old key's own name says nothing.
		registry.add("deployment.previous-backup-key", () -> OLD_KEY);
		registry.add("sqlite.backup.encryption.old-keys.2026-05", () -> "${deployment.previous-backup-key}");
	}

	@LocalServerPort
	private int port;

	@Test
	void envShowsNeitherKeyNorOldKeyButOrdinaryValues() {
		Response env = new HttpSession(this.port).get("/actuator/env");
		assertThat(env.status()).as(env.toString()).isEqualTo(200);
		assertThat(env.body()).doesNotContain(KEY).doesNotContain(OLD_KEY).contains(backups().toString());
		assertThat(envValues(env.json(), "sqlite.backup.encryption.key")).isNotEmpty().containsOnly("******");
		assertThat(envValues(env.json(), "deployment.previous-backup-key")).isNotEmpty().containsOnly("******");
	}

	@Test
	void configpropsShowsNeitherKeyNorOldKeyButOrdinaryValues() {
		Response configprops = new HttpSession(this.port).get("/actuator/configprops");
		assertThat(configprops.status()).as(configprops.toString()).isEqualTo(200);
		assertThat(configprops.body()).doesNotContain(KEY).doesNotContain(OLD_KEY).contains(backups().toString());
		JsonNode encryption = propertiesWithPrefix(configprops.json(), "sqlite.backup").get("encryption");
		assertThat(encryption.get("key").asString()).isEqualTo("******");
		assertThat(encryption.get("oldKeys").get("2026-05").asString()).isEqualTo("******");
	}

	private static List<String> envValues(JsonNode env, String property) {
		List<String> values = new ArrayList<>();
		for (JsonNode source : env.get("propertySources")) {
			JsonNode value = source.path("properties").path(property).path("value");
			if (!value.isMissingNode()) {
				values.add(value.asString());
			}
		}
		return values;
	}

	private static JsonNode propertiesWithPrefix(JsonNode configprops, String prefix) {
		for (JsonNode context : configprops.get("contexts")) {
			for (JsonNode bean : context.get("beans")) {
				if (prefix.equals(bean.path("prefix").asString())) {
					return bean.get("properties");
				}
			}
		}
		throw new AssertionError("No configuration properties with prefix " + prefix + " in " + configprops);
	}

	private static Path backups() {
		return temp.resolve("backups");
	}

	private static String randomKey() {
		byte[] key = new byte[32];
		new SecureRandom().nextBytes(key);
		return Base64.getEncoder().encodeToString(key);
	}

}
