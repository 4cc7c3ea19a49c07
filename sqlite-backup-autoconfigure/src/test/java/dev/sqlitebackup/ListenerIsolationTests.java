package dev.sqlitebackup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** A listener that throws is logged; the operation's outcome and the other listeners are not affected. */
class ListenerIsolationTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private final List<String> heard = new ArrayList<>();

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "old");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		this.template.addListener(new BackupListener() {

			@Override
			public void backupCompleted(Backup backup) {
				throw new IllegalStateException("broken listener");
			}

			@Override
			public void restoreCompleted(RestoreResult result) {
				throw new IllegalStateException("broken listener");
			}

			@Override
			public void progress(OperationStatus status) {
				throw new IllegalStateException("broken listener");
			}

		});
		this.template.addListener(new BackupListener() {

			@Override
			public void backupCompleted(Backup backup) {
				ListenerIsolationTests.this.heard.add("backup " + backup.id());
			}

			@Override
			public void restoreCompleted(RestoreResult result) {
				ListenerIsolationTests.this.heard.add("restore " + result.restoredFrom());
			}

		});
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void restoreThatReplacedTheDatabaseSucceedsWhenAListenerThrows() throws Exception {
		Backup backup = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "new");
		RestoreResult result = this.template.restore("app", backup.id(), false);
		assertThat(result.restoredFrom()).isEqualTo(backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("old");
		assertThat(this.heard).contains("restore " + backup.id());
	}

	@Test
	void backupIsStillPrunedAfterItWhenAListenerThrows() throws Exception {
		Backup first = this.template.backup("app");
		Backup second = this.template.backupAndPrune("app", BackupTrigger.SCHEDULED, new RetentionPolicy(1, null));
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(second.id());
		assertThat(this.heard).contains("backup " + first.id(), "backup " + second.id());
	}

}
