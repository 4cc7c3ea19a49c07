package dev.sqlitebackup.sample;

import java.util.List;

import javax.sql.DataSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.autoconfigure.SqliteBackupProperties;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

// TEMPORARY until SqliteBackupAutoConfiguration is merged: delete this whole class then; the
// starter creates the same SqliteBackupTemplate from the application's SQLite DataSource.
/** Stand-in for the starter's engine auto-configuration (issue 3), which is not merged yet. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SqliteBackupProperties.class)
class TemporaryBackupConfiguration {

	@Bean
	SqliteBackupTemplate sqliteBackupTemplate(DataSource dataSource, SqliteBackupProperties properties) {
		BackupOptions options = BackupOptions.defaults()
			.withVerifyMode(properties.getVerify())
			.withSafetyBackup(properties.getRestore().isSafetyBackup());
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("dataSource", dataSource)),
				new LocalDirectoryBackupStore(properties.getDirectory()), options);
	}

}
