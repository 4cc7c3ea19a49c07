package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for where the starter puts things by default in an application configured the usual way
 * ({@code spring.datasource.url}): the database's folder, and the backup directory.
 */
class DatabaseFoldersTests {

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					SqliteDirectoriesAutoConfiguration.class, SqliteBackupAutoConfiguration.class))
			.withPropertyValues("sqlite.backup.schedule.enabled=false");
	}

	@Test
	void runWhenTheDatabaseFolderDoesNotExistShouldCreateItAndWork() {
		Path file = this.dir.resolve("not/there/yet/app.db");
		contextRunner().withPropertyValues("spring.datasource.url=jdbc:sqlite:" + file).run((context) -> {
			assertThat(context).hasNotFailed();
			JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
			jdbc.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)");
			jdbc.update("INSERT INTO item DEFAULT VALUES");
			context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(file).isRegularFile();
		});
	}

	@Test
	void runWhenTheDatabaseFolderOfAFileUriDoesNotExistShouldCreateIt() {
		Path file = this.dir.resolve("uri folder/app.db");
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:file:" + this.dir.resolve("uri%20folder/app.db")
					+ "?cache=private")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				new JdbcTemplate(context.getBean(javax.sql.DataSource.class)).execute("CREATE TABLE item (id INTEGER)");
				assertThat(file).isRegularFile();
			});
	}

	@Test
	void runWhenCreatingFoldersIsOffShouldLeaveAMissingFolderMissing() {
		Path folder = this.dir.resolve("not/there");
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + folder.resolve("app.db"),
					"sqlite.backup.create-directories=false", "sqlite.backup.directory=" + this.dir.resolve("backups"))
			.run((context) -> assertThat(folder).doesNotExist());
	}

	@Test
	void runWithoutABackupDirectoryShouldKeepBackupsBesideTheDatabaseFile() throws IOException {
		Path file = Files.createDirectories(this.dir.resolve("data")).resolve("app.db");
		contextRunner().withPropertyValues("spring.datasource.url=jdbc:sqlite:" + file).run((context) -> {
			new JdbcTemplate(context.getBean(javax.sql.DataSource.class)).execute("CREATE TABLE item (id INTEGER)");
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			assertThat(this.dir.resolve("data/backups/dataSource/" + backup.id() + ".sqlite")).isRegularFile();
		});
	}

	@Test
	void runWithoutABackupDirectoryAndOnlyAnInMemoryDatabaseShouldKeepBackupsInTheUsersHomeUnderTheApplicationName() {
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:file:notes?mode=memory&cache=shared",
					"spring.datasource.hikari.minimum-idle=1", "spring.application.name=notes",
					"user.home=" + this.dir.resolve("home"))
			.run((context) -> {
				new JdbcTemplate(context.getBean(javax.sql.DataSource.class)).execute("CREATE TABLE item (id INTEGER)");
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(this.dir.resolve("home/.sqlite-backup/notes/dataSource/" + backup.id() + ".sqlite"))
					.isRegularFile();
			});
	}

	@Test
	void runWithABackupDirectoryShouldKeepBackupsThere() {
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + this.dir.resolve("data/app.db"),
					"sqlite.backup.directory=" + this.dir.resolve("elsewhere"))
			.run((context) -> {
				new JdbcTemplate(context.getBean(javax.sql.DataSource.class)).execute("CREATE TABLE item (id INTEGER)");
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(this.dir.resolve("elsewhere/dataSource/" + backup.id() + ".sqlite")).isRegularFile();
				assertThat(this.dir.resolve("data/backups")).doesNotExist();
			});
	}

}
