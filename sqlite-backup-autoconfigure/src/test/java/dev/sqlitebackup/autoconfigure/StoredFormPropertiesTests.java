package dev.sqlitebackup.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.codec.BackupCodec;

import static org.assertj.core.api.Assertions.assertThat;

/** Compression and encryption of new backups as configured by {@code sqlite.backup.*} properties. */
class StoredFormPropertiesTests {

	private static final String KEY_1 = Base64.getEncoder().encodeToString(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
			11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 });

	private static final String KEY_2 = Base64.getEncoder().encodeToString("another key of exactly 32 bytes!"
		.getBytes(StandardCharsets.US_ASCII));

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
	}

	@Test
	void runWithoutCompressionShouldStorePlainBackups() {
		contextRunner().run((context) -> {
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(backup.compression()).isEqualTo("none");
			assertThat(backup.isEncrypted()).isFalse();
			assertThat(this.dir.resolve("backups/dataSource/" + backup.id() + ".sqlite")).isRegularFile();
		});
	}

	@Test
	void runWithZstdCompressionShouldStoreZstdBackups() {
		contextRunner().withPropertyValues("sqlite.backup.compression=zstd").run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			assertThat(template.getOptions().storedForm().compression()).isEqualTo(BackupCodec.ZSTD);
			Backup backup = template.backup("dataSource");
			assertThat(backup.compression()).isEqualTo("zstd");
			assertThat(this.dir.resolve("backups/dataSource/" + backup.id() + ".sqlite.zst")).isRegularFile();
			assertThat(template.verify("dataSource", backup.id()).valid()).isTrue();
		});
	}

	@Test
	void runWithGzipCompressionShouldStoreGzipBackups() {
		contextRunner().withPropertyValues("sqlite.backup.compression=gzip")
			.run((context) -> assertThat(context.getBean(SqliteBackupTemplate.class).backup("dataSource").compression())
				.isEqualTo("gzip"));
	}

	@Test
	void runWithUnknownCompressionShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.compression=lz4")
			.run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void runWithEncryptionKeyShouldEncryptNewBackups() {
		contextRunner().withPropertyValues("sqlite.backup.encryption.key=" + KEY_1, "sqlite.backup.compression=zstd")
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				Backup backup = template.backup("dataSource");
				assertThat(backup.encryptionKeyId()).isEqualTo("default");
				Path file = this.dir.resolve("backups/dataSource/" + backup.id() + ".sqlite.zst.enc");
				assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).startsWith("SQLBKAES");
				assertThat(template.verify("dataSource", backup.id()).valid()).isTrue();
				assertThat(template.getOptions().storedForm().toString()).doesNotContain(KEY_1);
			});
	}

	@Test
	void runWithRotatedKeyShouldRestoreBackupsOfTheOldKey() {
		String[] oldId = new String[1];
		contextRunner().withPropertyValues("sqlite.backup.encryption.key=" + KEY_1, "sqlite.backup.encryption.key-id=k1")
			.run((context) -> oldId[0] = context.getBean(SqliteBackupTemplate.class).backup("dataSource").id());
		contextRunner()
			.withPropertyValues("sqlite.backup.encryption.key=" + KEY_2, "sqlite.backup.encryption.key-id=k2",
					"sqlite.backup.encryption.old-keys.k1=" + KEY_1)
			.run((context) -> {
				SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
				assertThat(template.backup("dataSource").encryptionKeyId()).isEqualTo("k2");
				assertThat(template.restore("dataSource", oldId[0], false).restoredFrom()).isEqualTo(oldId[0]);
			});
	}

	@Test
	void runWithEncryptionEnabledButNoKeyShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.encryption.enabled=true")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sqlite.backup.encryption.key")
				.hasMessageContaining("has no key"));
	}

	@Test
	void runWithKeyIdButNoKeyShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.encryption.key-id=prod")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("has no key"));
	}

	@Test
	void runWithEmptyKeyFromAMissingEnvironmentVariableShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.encryption.key=${NO_SUCH_BACKUP_KEY_VARIABLE:}")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("has no key"));
	}

	@Test
	void runWithMalformedKeyShouldFailAtStartupWithoutPrintingIt() {
		String notBase64 = "this is not base64 at all!";
		contextRunner().withPropertyValues("sqlite.backup.encryption.key=" + notBase64)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("not valid base64")
				.hasMessageNotContaining(notBase64));
	}

	@Test
	void runWithShortKeyShouldFailAtStartup() {
		String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
		contextRunner().withPropertyValues("sqlite.backup.encryption.key=" + shortKey)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("has 16 bytes")
				.hasMessageNotContaining(shortKey));
	}

	@Test
	void runWithMalformedOldKeyShouldFailAtStartup() {
		contextRunner()
			.withPropertyValues("sqlite.backup.encryption.key=" + KEY_1, "sqlite.backup.encryption.old-keys.k0=AAAA")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("sqlite.backup.encryption.old-keys.k0"));
	}

	@Test
	void runWithEncryptionDisabledShouldIgnoreTheKey() {
		contextRunner().withPropertyValues("sqlite.backup.encryption.enabled=false", "sqlite.backup.encryption.key=x")
			.run((context) -> assertThat(context.getBean(SqliteBackupTemplate.class).backup("dataSource").isEncrypted())
				.isFalse());
	}

}
