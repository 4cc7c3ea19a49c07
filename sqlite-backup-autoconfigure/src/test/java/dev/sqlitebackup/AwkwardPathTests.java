package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Databases and backup directories whose paths have spaces, non-ASCII characters and symbolic
 * links, reached through every common form of SQLite JDBC URL, back up and restore end to end.
 */
class AwkwardPathTests {

	@TempDir
	Path temp;

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "jdbc:sqlite:{path}", "jdbc:sqlite:{path}?journal_mode=WAL&busy_timeout=3000",
			"jdbc:sqlite:file:{path}", "jdbc:sqlite:file:{path}?mode=rwc&cache=private",
			"jdbc:sqlite:{link}?journal_mode=WAL" })
	void backupListAndRestoreWorkWhateverThePathAndUrlLookLike(String urlTemplate) throws Exception {
		Path awkward = Files.createDirectories(this.temp.resolve("dir with spaces/ünïcødé-数据"));
		Path database = awkward.resolve("my app.db");
		Path link = Files.createSymbolicLink(this.temp.resolve("linked dir"), awkward).resolve("my app.db");
		Path backupsTarget = Files.createDirectories(this.temp.resolve("backups ü/real"));
		Path backups = Files.createSymbolicLink(this.temp.resolve("backups link"), backupsTarget);
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(urlTemplate.replace("{path}", database.toString()).replace("{link}", link.toString()));
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			TestDatabases.createNotes(dataSource, "kept");
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
					new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
			Backup backup = template.backup("app");
			assertThat(template.list("app")).containsExactly(backup);
			assertThat(backupsTarget.resolve("app/" + backup.id() + ".sqlite")).isRegularFile();
			TestDatabases.addNote(dataSource, "lost");
			template.restore("app", backup.id());
			assertThat(TestDatabases.notes(dataSource)).containsExactly("kept");
			assertThat(template.verify("app", backup.id()).valid()).isTrue();
		}
		assertThat(database).isRegularFile();
	}

}
