package dev.sqlitebackup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Guarantee 2: a backup that fails at any point is never listed, and whatever it or a crash left
 * behind is removed by the next run.
 */
class NoPartialBackupTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private Path backups;

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 2_000);
		this.backups = this.temp.resolve("backups");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void backupThatFailsVerificationLeavesNothingBehind() throws Exception {
		TestDatabases.close(this.dataSource);
		corruptPage(this.temp.resolve("app.db"), 3);
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		assertThatExceptionOfType(BackupVerificationException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("the live database may be damaged");
		assertThat(template.list("app")).isEmpty();
		assertThat(filesUnder(this.backups)).isEmpty();
	}

	@Test
	void backupThatFailsWhilePublishingIsNotListedAndIsCleanedUp() throws Exception {
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.backups) {

			@Override
			public Backup publish(Path stagingFile, Backup backup) throws IOException {
				throw new IOException("simulated failure while publishing");
			}

		};
		SqliteBackupTemplate template = template(store);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("simulated failure while publishing");
		assertThat(template.list("app")).isEmpty();
		assertThat(filesUnder(this.backups)).isEmpty();
	}

	@Test
	void leftoversOfACrashAreNeverListedAndTheNextBackupRemovesThem() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Backup kept = template.backup("app");
		Path directory = this.backups.resolve("app");
		// What a crash can leave: a half-written staging copy with its journal and a staged
		// manifest whose bytes never arrived.
		Files.writeString(directory.resolve(".staging/20261124T000000000Z-aaaaaa.sqlite"), "half a copy");
		Files.writeString(directory.resolve(".staging/20261124T000000000Z-aaaaaa.sqlite-journal"), "journal");
		Files.writeString(directory.resolve(".staging/20261124T000000000Z-bbbbbb.manifest"), "id=x");
		assertThat(template.list("app")).extracting(Backup::id).containsExactly(kept.id());
		Backup next = template.backup("app");
		assertThat(template.list("app")).extracting(Backup::id).containsExactly(next.id(), kept.id());
		assertThat(filesUnder(this.backups)).containsExactlyInAnyOrder("app/" + kept.id() + ".sqlite",
				"app/" + kept.id() + ".manifest", "app/" + next.id() + ".sqlite", "app/" + next.id() + ".manifest");
	}

	@Test
	void publishCutShortBetweenItsTwoRenamesIsFinishedByTheNextRun() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Backup backup = template.backup("app");
		Path directory = this.backups.resolve("app");
		Files.move(directory.resolve(backup.id() + ".manifest"), directory.resolve(".staging/" + backup.id() + ".manifest"));
		assertThat(template.list("app")).isEmpty();
		template.cleanUp();
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(template.verify("app", backup.id()).valid()).isTrue();
	}

	@Test
	void bytesWithoutAManifestAreNeitherListedNorDeleted() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Backup backup = template.backup("app");
		Path directory = this.backups.resolve("app");
		Files.delete(directory.resolve(backup.id() + ".manifest"));
		template.cleanUp();
		assertThat(template.list("app")).isEmpty();
		assertThat(directory.resolve(backup.id() + ".sqlite")).exists();
	}

	@Test
	void cleanUpAtStartupRemovesLeftovers() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Path staging = this.backups.resolve("app/.staging");
		Files.createDirectories(staging);
		Files.writeString(staging.resolve("20261124T000000000Z-aaaaaa.sqlite"), "half a copy");
		template.cleanUp();
		assertThat(filesUnder(this.backups)).isEmpty();
	}

	@Test
	void aStagingFileThisProcessStillWritesIsNoLeftover() throws Exception {
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.backups);
		SqliteBackupTemplate template = template(store);
		try (BackupStore.StagingFile inUse = store.newStagingFile("app", "20261124T000000000Z-bbbbbb-segment-0000000000-level-1-pages")) {
			Files.writeString(inUse.path(), "a block being built");
			Files.writeString(inUse.path().resolveSibling(inUse.path().getFileName() + "-journal"), "its side file");
			Path leftover = inUse.path().resolveSibling(inUse.path().getFileName().toString().replace("bbbbbb", "cccccc"));
			Files.writeString(leftover, "a block a crashed process was building");

			template.cleanUp();

			assertThat(leftover).doesNotExist();
			assertThat(inUse.path()).exists();
			assertThat(inUse.path().resolveSibling(inUse.path().getFileName() + "-journal")).exists();
		}
		template.cleanUp();
		assertThat(filesUnder(this.backups)).isEmpty();
	}

	@Test
	void manifestWithoutItsDataFileIsNotListed() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Backup backup = template.backup("app");
		Files.delete(this.backups.resolve("app/" + backup.id() + ".sqlite"));
		assertThat(template.list("app")).isEmpty();
	}

	private SqliteBackupTemplate template(LocalDirectoryBackupStore store) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)), store,
				BackupOptions.defaults());
	}

	/** Overwrites one b-tree page with garbage while no connection is open. */
	static void corruptPage(Path database, int page) throws IOException {
		try (RandomAccessFile file = new RandomAccessFile(database.toFile(), "rw")) {
			file.seek((long) (page - 1) * 4096);
			byte[] garbage = new byte[4096];
			java.util.Arrays.fill(garbage, (byte) 0x5A);
			file.write(garbage);
		}
	}

	/** Files under a store's directory, except the lock files that the store keeps by design. */
	static List<String> filesUnder(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return List.of();
		}
		try (Stream<Path> files = Files.walk(directory)) {
			return files.filter(Files::isRegularFile)
				.filter((file) -> !file.getFileName().toString().equals(".lock"))
				.map((file) -> directory.relativize(file).toString())
				.toList();
		}
	}

}
