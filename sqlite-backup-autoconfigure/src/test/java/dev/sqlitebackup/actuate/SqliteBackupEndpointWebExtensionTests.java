package dev.sqlitebackup.actuate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.BackupDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.DatabaseDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupEndpointWebExtension.ErrorDescriptor;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteBackupEndpointWebExtension}: the statuses of the HTTP contract. */
class SqliteBackupEndpointWebExtensionTests {

	@TempDir
	Path temp;

	@Test
	void backupAnswers200AndIsListed() {
		SqliteBackupEndpointWebExtension extension = extension(template(), false);
		WebEndpointResponse<OperationResponseBody> backup = extension.perform("db", "backup", null);
		assertThat(backup.getStatus()).isEqualTo(200);
		String id = ((BackupDescriptor) backup.getBody()).id();
		DatabaseDescriptor listed = (DatabaseDescriptor) extension.database("db").getBody();
		assertThat(listed.backups()).extracting(BackupDescriptor::id).containsExactly(id);
		assertThat(listed.operation()).isNull();
	}

	@Test
	void statusesOfTheContract() {
		SqliteBackupEndpointWebExtension extension = extension(template(), true);
		assertThat(extension.database("nosuch").getStatus()).isEqualTo(404);
		assertThat(extension.perform("nosuch", "backup", null).getStatus()).isEqualTo(404);
		assertThat(extension.perform("db", "format", null).getStatus()).isEqualTo(400);
		assertThat(extension.perform("db", null, null).getStatus()).isEqualTo(400);
		// Only the action as written: no trimmed control characters, no case folding onto it.
		assertThat(extension.perform("db", "backup\u0000", null).getStatus()).isEqualTo(400);
		assertThat(extension.perform("db", "bac\u212Aup", null).getStatus()).isEqualTo(400);
		assertThat(this.temp.resolve("backups/db")).doesNotExist();
		assertThat(extension.perform("db", "restore", null).getStatus()).isEqualTo(400);
		assertThat(extension.perform("db", "restore", "../db").getStatus()).isEqualTo(400);
		assertThat(extension.perform("db", "restore", "20200101T000000000Z-abcdef").getStatus()).isEqualTo(404);
	}

	@Test
	void restoreWhenDisabledAnswers403() {
		SqliteBackupTemplate template = template();
		String id = template.backup("db").id();
		WebEndpointResponse<OperationResponseBody> response = extension(template, false).perform("db", "restore", id);
		assertThat(response.getStatus()).isEqualTo(403);
		assertThat(template.list("db")).extracting(Backup::id).containsExactly(id);
	}

	@Test
	void unexpectedFailureAnswers500WithoutDetails() {
		SqliteBackupTemplate failing = new SqliteBackupTemplate(List.of(database()),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults()) {

			@Override
			public Backup backup(String database) {
				throw new IllegalStateException("secret detail at /srv/data");
			}

		};
		WebEndpointResponse<OperationResponseBody> response = extension(failing, false).perform("db", "backup", null);
		assertThat(response.getStatus()).isEqualTo(500);
		assertThat(((ErrorDescriptor) response.getBody()).message()).doesNotContain("secret", "/srv");
	}

	@Test
	void storeThatCannotListAnswers500WithItsReason() {
		LocalDirectoryBackupStore unreachable = new LocalDirectoryBackupStore(this.temp.resolve("backups")) {

			@Override
			public List<Backup> list(String database) {
				throw new IllegalStateException("Cannot list backups in s3://bucket/: HTTP 503 SlowDown");
			}

		};
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(database()), unreachable,
				BackupOptions.defaults());
		WebEndpointResponse<OperationResponseBody> response = extension(template, false).database("db");
		assertThat(response.getStatus()).isEqualTo(500);
		assertThat(((ErrorDescriptor) response.getBody()).message())
			.isEqualTo("Cannot list backups in s3://bucket/: HTTP 503 SlowDown");
	}

	private SqliteBackupEndpointWebExtension extension(SqliteBackupTemplate template, boolean restoreEnabled) {
		return new SqliteBackupEndpointWebExtension(new SqliteBackupEndpoint(template, restoreEnabled));
	}

	private SqliteBackupTemplate template() {
		return new SqliteBackupTemplate(List.of(database()), new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults());
	}

	private SqliteDatabase database() {
		SQLiteDataSource dataSource = new SQLiteDataSource();
		dataSource.setUrl("jdbc:sqlite:" + this.temp.resolve("db.sqlite"));
		// A table, so that the database is not the zero-page file SQLite leaves before the first write.
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)");
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return SqliteDatabase.of("db", dataSource);
	}

}
