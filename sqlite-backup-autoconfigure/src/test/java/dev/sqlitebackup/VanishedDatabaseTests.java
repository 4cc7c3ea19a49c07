package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A live database file that was deleted, moved or replaced is never backed up as an empty
 * database, and a restore never writes into a file the application no longer uses.
 */
class VanishedDatabaseTests {

	@TempDir
	Path temp;

	private Path file;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	@BeforeEach
	void createDatabase() throws Exception {
		this.file = this.temp.resolve("data/app.db");
		Files.createDirectories(this.file.getParent());
		this.dataSource = TestDatabases.hikari(this.file, Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "real");
		fillThePool();
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupOfADeletedDatabaseFileFailsAndCreatesNoFile() throws Exception {
		Backup real = this.template.backup("app");
		deleteLiveFiles();
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> this.template.backup("app"))
			.withMessageContaining("does not exist")
			.withMessageContaining(this.file.toString());
		assertThat(this.file).doesNotExist();
		assertThat(this.template.list("app")).containsExactly(real);
	}

	@Test
	void restoreIntoADeletedDatabaseFileFailsAndCreatesNoFile() throws Exception {
		Backup real = this.template.backup("app");
		deleteLiveFiles();
		assertThatExceptionOfType(RestoreFailedException.class)
			.isThrownBy(() -> this.template.restore("app", real.id()))
			.withMessageContaining("does not exist")
			.withMessageContaining("nothing was changed");
		assertThat(this.file).doesNotExist();
		assertThat(this.template.list("app")).containsExactly(real);
	}

	@Test
	void databaseRecreatedEmptyIsRefusedSoRetentionKeepsTheRealBackups() throws Exception {
		Backup real = this.template.backup("app");
		deleteLiveFiles();
		// What a pool does when it opens a connection to a path whose file is gone.
		TestDatabases.close(this.dataSource);
		this.dataSource = TestDatabases.hikari(this.file, Mode.WAL);
		TestDatabases.execute(this.dataSource, "PRAGMA user_version = 0");
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> this.template.backupAndPrune("app", BackupTrigger.SCHEDULED,
					new RetentionPolicy(1, null)))
			.withMessageContaining("has no tables")
			.withMessageContaining(real.id());
		assertThat(this.template.list("app")).containsExactly(real);
	}

	@Test
	void databaseWithoutTablesAndNoEarlierBackupIsBackedUp() throws Exception {
		Path empty = this.temp.resolve("data/empty.db");
		DataSource emptySource = TestDatabases.hikari(empty, Mode.WAL);
		try {
			TestDatabases.execute(emptySource, "PRAGMA user_version = 1");
			SqliteBackupTemplate template = new SqliteBackupTemplate(
					List.of(SqliteDatabase.of("empty", emptySource)),
					new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
			assertThat(template.backup("empty").verified()).isTrue();
		}
		finally {
			TestDatabases.close(emptySource);
		}
	}

	/**
	 * Opens every connection the pool will keep, so that it opens no new one after the file is
	 * deleted: a new connection would create an empty database at the path again.
	 */
	private void fillThePool() throws Exception {
		List<Connection> connections = new ArrayList<>();
		try {
			for (int i = 0; i < ((HikariDataSource) this.dataSource).getMaximumPoolSize(); i++) {
				connections.add(this.dataSource.getConnection());
			}
		}
		finally {
			for (Connection connection : connections) {
				connection.close();
			}
		}
	}

	private void deleteLiveFiles() throws Exception {
		for (String suffix : new String[] { "", "-wal", "-shm" }) {
			Files.deleteIfExists(this.file.resolveSibling(this.file.getFileName() + suffix));
		}
	}

}
