package dev.sqlitebackup.autoconfigure;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.Sanitizer;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;

import dev.sqlitebackup.actuate.SqliteBackupSanitizingFunction;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteBackupSanitizingAutoConfiguration} and {@link SqliteBackupSanitizingFunction}. */
class SqliteBackupSanitizingAutoConfigurationTests {

	private static final String KEY = "s3cr3tK3yBase64ValueForTheTest0000000000000=";

	private static final String OLD_KEY = "0ldK3yBase64ValueForTheTest11111111111111111=";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SqliteBackupSanitizingAutoConfiguration.class))
		.withPropertyValues("sqlite.backup.encryption.key=" + KEY, "secrets.previous=" + OLD_KEY,
				"sqlite.backup.encryption.old-keys.previous=${secrets.previous}");

	@Test
	void runShouldHaveSanitizingFunctionBean() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(SqliteBackupSanitizingFunction.class)
			.hasBean("sqliteBackupSanitizingFunction"));
	}

	@Test
	void runWhenActuatorIsAbsentShouldNotHaveSanitizingFunction() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(SanitizingFunction.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SqliteBackupSanitizingFunction.class));
	}

	@Test
	void runWhenUserDefinesSanitizingFunctionWithTheSameNameShouldBackOff() {
		this.contextRunner
			.withBean("sqliteBackupSanitizingFunction", SanitizingFunction.class, () -> (data) -> data)
			.run((context) -> assertThat(context).doesNotHaveBean(SqliteBackupSanitizingFunction.class));
	}

	@Test
	void everyRelaxedFormOfAnEncryptionPropertyIsMasked() {
		this.contextRunner.run((context) -> {
			Sanitizer sanitizer = new Sanitizer(List.of(context.getBean(SqliteBackupSanitizingFunction.class)));
			for (String name : List.of("sqlite.backup.encryption.key", "sqlite.backup.encryption.old-keys.v1",
					"sqlite.backup.encryption.old-keys[v1]", "sqlite.backup.encryption.oldKeys.v1",
					"SQLITE_BACKUP_ENCRYPTION_KEY", "SQLITE_BACKUP_ENCRYPTION_OLDKEYS_V1",
					"sqlite.backup.encryption.key-id", "sqlite.backup.s3.secret-key", "SQLITE_BACKUP_S3_SECRETKEY")) {
				assertThat(sanitizer.sanitize(data(name, "anything at all"), true)).as(name)
					.isEqualTo(SanitizableData.SANITIZED_VALUE);
			}
		});
	}

	@Test
	void aValueContainingAConfiguredKeyIsMaskedWhateverItsName() {
		this.contextRunner.run((context) -> {
			Sanitizer sanitizer = new Sanitizer(List.of(context.getBean(SqliteBackupSanitizingFunction.class)));
			assertThat(sanitizer.sanitize(data("secrets.previous", OLD_KEY), true))
				.isEqualTo(SanitizableData.SANITIZED_VALUE);
			assertThat(sanitizer.sanitize(data("sun.java.command", "app.jar --sqlite.backup.encryption.key=" + KEY),
					true))
				.isEqualTo(SanitizableData.SANITIZED_VALUE);
		});
	}

	@Test
	void ordinaryPropertiesKeepTheirValues() {
		this.contextRunner.run((context) -> {
			Sanitizer sanitizer = new Sanitizer(List.of(context.getBean(SqliteBackupSanitizingFunction.class)));
			assertThat(sanitizer.sanitize(data("sqlite.backup.directory", "/var/backups"), true))
				.isEqualTo("/var/backups");
			assertThat(sanitizer.sanitize(data("sqlite.backup.s3.bucket", "my-bucket"), true)).isEqualTo("my-bucket");
		});
	}

	private static SanitizableData data(String key, Object value) {
		return new SanitizableData(new MapPropertySource("test", Map.of(key, value)), key, value);
	}

}
