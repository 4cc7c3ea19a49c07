package dev.sqlitebackup.actuate;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** A request for one database's backups reads the store's listing once, with where each backup is kept. */
class SqliteBackupEndpointListingTests {

	@TempDir
	Path temp;

	private final AtomicInteger listings = new AtomicInteger();

	private SqliteBackupTemplate template;

	@BeforeEach
	void createDatabase() {
		SQLiteDataSource dataSource = new SQLiteDataSource();
		dataSource.setUrl("jdbc:sqlite:" + this.temp.resolve("app.db"));
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.temp.resolve("backups")) {

			@Override
			public List<Backup> list(String database) {
				SqliteBackupEndpointListingTests.this.listings.incrementAndGet();
				return super.list(database);
			}

		};
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", (DataSource) dataSource)), store,
				BackupOptions.defaults());
	}

	@AfterEach
	void reset() {
		this.listings.set(0);
	}

	@Test
	void databaseListingReadsTheStoreOnce() {
		Backup backup = this.template.backup("app");
		SqliteBackupEndpoint endpoint = new SqliteBackupEndpoint(this.template, false);
		this.listings.set(0);
		SqliteBackupDescriptors.DatabaseDescriptor database = endpoint.database("app");
		assertThat(database.backups()).extracting(SqliteBackupDescriptors.BackupDescriptor::id)
			.containsExactly(backup.id());
		assertThat(database.backups().get(0).locations()).containsExactly("local");
		assertThat(this.listings).hasValue(1);
	}

}
