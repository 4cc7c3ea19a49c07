package dev.sqlitebackup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.UnsafeStorePathException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Someone who can write to the backup directory plants links, pipes and huge files in it: the
 * store neither deletes nor writes through a link out of its directory, deletes only files it
 * names itself, and keeps listing the good backups without hanging or filling the heap.
 */
class HostileStoreFilesTests {

	private static final String STAGING_NAME = "20261124T000000000Z-aaaaaa.sqlite";

	private static final String FOREIGN_ID = "20261124T000000000Z-bbbbbb";

	@TempDir
	Path temp;

	private DataSource dataSource;

	private Path backups;

	/** Stands in for the folder of the application's live database. */
	private Path live;

	private LocalDirectoryBackupStore store;

	private SqliteBackupTemplate template;

	@BeforeEach
	void createDatabaseAndBait() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 500);
		this.backups = this.temp.resolve("backups");
		this.store = new LocalDirectoryBackupStore(this.backups);
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)), this.store,
				BackupOptions.defaults());
		this.live = Files.createDirectories(this.temp.resolve("live"));
		Files.writeString(this.live.resolve("notes.db"), "the live database");
		// Names that clean-up deletes in its own staging folder.
		Files.writeString(this.live.resolve(STAGING_NAME), "looks like a staging copy");
		Files.writeString(this.live.resolve(FOREIGN_ID + ".manifest"), "looks like a staged manifest");
		Files.createDirectories(this.live.resolve(".staging"));
		Files.writeString(this.live.resolve(".staging/" + STAGING_NAME), "looks like a staging copy");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void stagingFolderThatIsALinkIsNeitherCleanedNorWrittenThrough() throws Exception {
		Backup earlier = this.template.backup("app");
		Path staging = this.backups.resolve("app/.staging");
		Files.delete(staging);
		Files.createSymbolicLink(staging, this.live);
		Map<String, String> before = snapshot(this.live);

		this.template.cleanUp();
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> this.template.backup("app"))
			.withMessageContaining(staging.toString())
			.withMessageContaining("symbolic link");

		assertThat(snapshot(this.live)).isEqualTo(before);
		assertThat(this.template.list("app")).containsExactly(earlier);
	}

	@Test
	void databaseFolderThatIsALinkIsNeitherCleanedNorWrittenThrough() throws Exception {
		Files.createDirectories(this.backups);
		Files.createSymbolicLink(this.backups.resolve("app"), this.live);
		Map<String, String> before = snapshot(this.live);

		this.template.cleanUp();
		assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> this.template.backup("app"))
			.withMessageContaining(this.backups.resolve("app").toString())
			.withMessageContaining("symbolic link");
		assertThatExceptionOfType(BackupListingException.class).isThrownBy(() -> this.template.list("app"))
			.withMessageContaining("symbolic link");

		assertThat(snapshot(this.live)).isEqualTo(before);
	}

	@Test
	void cleanUpLeavesFilesItDoesNotNameAlone() throws Exception {
		this.template.backup("app");
		Path staging = this.backups.resolve("app/.staging");
		Files.writeString(staging.resolve(STAGING_NAME), "half a copy");
		Files.writeString(staging.resolve(STAGING_NAME + "-journal"), "its journal");
		Files.writeString(staging.resolve("notes.txt"), "someone's notes");
		Files.writeString(staging.resolve(FOREIGN_ID + ".sqlite.bak"), "someone's copy");
		Files.createDirectories(staging.resolve(FOREIGN_ID + ".sqlite"));
		Files.createSymbolicLink(staging.resolve(FOREIGN_ID + "-stored.sqlite"), this.live.resolve("notes.db"));
		Map<String, String> live = snapshot(this.live);

		this.template.cleanUp();

		assertThat(names(staging)).containsExactlyInAnyOrder("notes.txt", FOREIGN_ID + ".sqlite.bak",
				FOREIGN_ID + ".sqlite", FOREIGN_ID + "-stored.sqlite");
		assertThat(snapshot(this.live)).isEqualTo(live);
	}

	@Test
	void manifestThatIsAPipeIsSkippedWithoutHangingTheListing() throws Exception {
		Backup backup = this.template.backup("app");
		Path manifest = this.backups.resolve("app/" + FOREIGN_ID + ".manifest");
		makeFifo(manifest);
		Files.copy(this.backups.resolve("app/" + backup.id() + ".sqlite"),
				this.backups.resolve("app/" + FOREIGN_ID + ".sqlite"));

		List<Backup> listed = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> this.template.list("app"));

		assertThat(listed).containsExactly(backup);
	}

	@Test
	void hugeManifestIsSkippedWithoutReadingIt() throws Exception {
		Backup backup = this.template.backup("app");
		// Sparse: 3 GB long, hardly any disk used.
		try (RandomAccessFile huge = new RandomAccessFile(
				this.backups.resolve("app/" + FOREIGN_ID + ".manifest").toFile(), "rw")) {
			huge.setLength(3L << 30);
		}

		List<Backup> listed = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> this.template.list("app"));

		assertThat(listed).containsExactly(backup);
	}

	@Test
	void manifestThatIsALinkIsNotFollowed() throws Exception {
		Backup kept = this.template.backup("app");
		Backup linked = this.template.backup("app");
		Path manifest = this.backups.resolve("app/" + linked.id() + ".manifest");
		Path outside = Files.move(manifest, this.live.resolve(linked.id() + ".manifest"));
		Files.createSymbolicLink(manifest, outside);

		assertThat(this.template.list("app")).containsExactly(kept);
	}

	@Test
	void openingADataFileThatIsALinkFailsClearly() throws Exception {
		Backup backup = this.template.backup("app");
		Path data = this.backups.resolve("app/" + backup.id() + ".sqlite");
		Path outside = Files.move(data, this.live.resolve(backup.id() + ".sqlite"));
		Files.createSymbolicLink(data, outside);

		assertThatExceptionOfType(UnsafeStorePathException.class).isThrownBy(() -> this.store.open(backup))
			.withMessageContaining("symbolic link");
	}

	@Test
	void openingADataFileThatIsAPipeFailsClearlyWithoutWaiting() throws Exception {
		Backup backup = this.template.backup("app");
		Path data = this.backups.resolve("app/" + backup.id() + ".sqlite");
		Files.delete(data);
		makeFifo(data);

		assertTimeoutPreemptively(Duration.ofSeconds(20),
				() -> assertThatExceptionOfType(UnsafeStorePathException.class)
					.isThrownBy(() -> this.store.open(backup))
					.withMessageContaining("not a regular file"));
	}

	static void makeFifo(Path path) throws Exception {
		Process mkfifo;
		try {
			mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
		}
		catch (IOException ex) {
			mkfifo = null;
		}
		assumeTrue(mkfifo != null && mkfifo.waitFor() == 0, "mkfifo is available");
	}

	private static List<String> names(Path directory) throws IOException {
		try (Stream<Path> entries = Files.list(directory)) {
			return entries.map((entry) -> entry.getFileName().toString()).toList();
		}
	}

	/** Every entry under a folder with its kind, size and modification time. */
	private static Map<String, String> snapshot(Path directory) throws IOException {
		Map<String, String> entries = new TreeMap<>();
		try (Stream<Path> paths = Files.walk(directory)) {
			for (Path path : paths.toList()) {
				BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class,
						LinkOption.NOFOLLOW_LINKS);
				entries.put(directory.relativize(path).toString(), (attributes.isDirectory() ? "directory "
						: "file ") + attributes.size() + " bytes, modified " + attributes.lastModifiedTime());
			}
		}
		return entries;
	}

}
