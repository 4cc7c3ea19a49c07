package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.codec.BackupCodec;

import static org.assertj.core.api.Assertions.assertThat;

/** Compression and encryption of new backups as configured by {@code sqlite.backup.*} properties. */
class StoredFormPropertiesTests {

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

}
