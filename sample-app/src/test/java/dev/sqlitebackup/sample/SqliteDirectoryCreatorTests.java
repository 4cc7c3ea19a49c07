package dev.sqlitebackup.sample;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteDirectoryCreator}'s reading of SQLite URLs. */
class SqliteDirectoryCreatorTests {

	@Test
	void databaseFileOfPlainAndFileUrls() {
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:sqlite:data/sample.db")).isEqualTo(Path.of("data/sample.db"));
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:sqlite:file:/tmp/x/notes.db?journal_mode=WAL"))
			.isEqualTo(Path.of("/tmp/x/notes.db"));
	}

	@Test
	void noDatabaseFileForMemoryDatabasesAndOtherDrivers() {
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:sqlite::memory:")).isNull();
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:sqlite:")).isNull();
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:sqlite:file:notes?mode=memory&cache=shared")).isNull();
		assertThat(SqliteDirectoryCreator.databaseFile("jdbc:h2:mem:test")).isNull();
	}

}
