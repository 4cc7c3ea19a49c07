package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteUrls}'s reading of SQLite JDBC URLs. */
class SqliteUrlsTests {

	@Test
	void databaseFileOfAPlainPathIsThatPath() {
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:data/sample.db")).isEqualTo(Path.of("data/sample.db"));
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:/tmp/x/notes.db?journal_mode=WAL"))
			.isEqualTo(Path.of("/tmp/x/notes.db"));
	}

	@Test
	void databaseFileOfAFileUriIsItsDecodedPath() {
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:file:/tmp/x/notes.db?journal_mode=WAL"))
			.isEqualTo(Path.of("/tmp/x/notes.db"));
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:file:///tmp/my%20data/notes.db"))
			.isEqualTo(Path.of("/tmp/my data/notes.db"));
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:file://localhost/tmp/x/notes.db"))
			.isEqualTo(Path.of("/tmp/x/notes.db"));
	}

	@Test
	void noDatabaseFileForMemoryDatabasesResourcesAndOtherDrivers() {
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite::memory:")).isNull();
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:")).isNull();
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite:file:notes?mode=memory&cache=shared")).isNull();
		assertThat(SqliteUrls.databaseFile("jdbc:sqlite::resource:db/notes.db")).isNull();
		assertThat(SqliteUrls.databaseFile("jdbc:h2:mem:test")).isNull();
	}

}
