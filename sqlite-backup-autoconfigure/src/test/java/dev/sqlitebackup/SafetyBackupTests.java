package dev.sqlitebackup;

import java.nio.file.Path;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Guarantee 5: a restore is undoable through the safety backup it takes first. */
class SafetyBackupTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "old");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void restoreTakesASafetyBackupOfTheReplacedStateAndListsIt() throws Exception {
		Backup backup = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "new");
		RestoreResult result = this.template.restore("app", backup.id());
		assertThat(result.safetyBackupId()).isNotNull();
		Backup safety = this.template.get("app", result.safetyBackupId());
		assertThat(safety.isSafetyBackup()).isTrue();
		assertThat(safety.trigger()).isEqualTo(BackupTrigger.SAFETY);
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(safety.id(), backup.id());
	}

	@Test
	void restoringTheSafetyBackupUndoesTheRestore() throws Exception {
		Backup backup = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "new");
		RestoreResult result = this.template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("old");
		this.template.restore("app", result.safetyBackupId(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("old", "new");
	}

	@Test
	void restoreWithoutSafetyBackupTakesNone() throws Exception {
		Backup backup = this.template.backup("app");
		RestoreResult result = this.template.restore("app", backup.id(), false);
		assertThat(result.safetyBackupId()).isNull();
		assertThat(this.template.list("app")).hasSize(1);
	}

	@Test
	void restoreOfADamagedDatabaseKeepsItsSafetyBackupUnverifiedAndGoesOn() throws Exception {
		TestDatabases.createAccounts(this.dataSource, 2_000);
		Backup backup = this.template.backup("app");
		TestDatabases.close(this.dataSource);
		NoPartialBackupTests.corruptPage(this.temp.resolve("app.db"), 3);
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		RestoreResult result = this.template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("old");
		Backup safety = this.template.get("app", result.safetyBackupId());
		assertThat(safety.isSafetyBackup()).isTrue();
		assertThat(safety.verified()).isFalse();
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(safety.id(), backup.id());
	}

}
