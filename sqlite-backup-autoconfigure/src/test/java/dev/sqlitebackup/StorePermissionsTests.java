package dev.sqlitebackup;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Backups are readable by the owner of the store only, whatever the process umask: the folders the
 * store makes are 0700 and its files 0600, so that not even the plaintext staging copy of an
 * encrypted backup is readable by anyone else. Where the file system has no POSIX permissions the
 * tests are skipped.
 */
class StorePermissionsTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private Path backups;

	@BeforeEach
	void createDatabase() throws Exception {
		assumeTrue(this.temp.getFileSystem().supportedFileAttributeViews().contains("posix"),
				"the file system has POSIX permissions");
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 500);
		this.backups = this.temp.resolve("backups");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void storeThatCreatesItsDirectoryKeepsEveryFolderAndFileToItsOwner() throws Exception {
		template(StoredForm.PLAIN).backup("app");

		Map<String, String> permissions = permissionsUnder(this.backups);

		assertThat(permissions).containsEntry("", "rwx------").containsEntry("app", "rwx------");
		assertThat(permissions).allSatisfy((path, mode) -> assertThat(mode).as(path)
			.isEqualTo(Files.isDirectory(this.backups.resolve(path)) ? "rwx------" : "rw-------"));
		assertThat(permissions.keySet()).contains("app/.lock", "app/.staging");
	}

	@Test
	void foldersAndFilesThatAnEarlierRunLeftOpenAreTightened() throws Exception {
		// As a permissive umask would have left them: open to everyone.
		Files.createDirectories(this.backups.resolve("app/.staging"));
		Files.writeString(this.backups.resolve("app/.lock"), "");
		for (String path : List.of("app", "app/.staging")) {
			Files.setPosixFilePermissions(this.backups.resolve(path), PosixFilePermissions.fromString("rwxrwxrwx"));
		}
		Files.setPosixFilePermissions(this.backups.resolve("app/.lock"), PosixFilePermissions.fromString("rw-rw-rw-"));

		template(encrypted()).backup("app");

		Map<String, String> permissions = permissionsUnder(this.backups.resolve("app"));
		assertThat(permissions).allSatisfy((path, mode) -> assertThat(mode).as(path)
			.isEqualTo(Files.isDirectory(this.backups.resolve("app").resolve(path)) ? "rwx------" : "rw-------"));
		assertThat(permissions).hasSize(5);
	}

	@Test
	void existingDirectoryGivenToTheStoreKeepsItsPermissions() throws Exception {
		Files.createDirectories(this.backups);
		Files.setPosixFilePermissions(this.backups, PosixFilePermissions.fromString("rwxr-x---"));

		template(StoredForm.PLAIN).backup("app");

		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.backups))).isEqualTo("rwxr-x---");
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(this.backups.resolve("app"))))
			.isEqualTo("rwx------");
	}

	private SqliteBackupTemplate template(StoredForm form) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.backups), BackupOptions.defaults().withStoredForm(form));
	}

	private static StoredForm encrypted() {
		return new StoredForm(BackupCodec.NONE, BackupEncryption.of("k1", EncryptionTests.key(1), Map.of()));
	}

	/** Permissions of every folder and file under a directory, the directory itself included as "". */
	private static Map<String, String> permissionsUnder(Path directory) throws Exception {
		Map<String, String> permissions = new TreeMap<>();
		try (Stream<Path> paths = Files.walk(directory)) {
			for (Path path : paths.toList()) {
				permissions.put(directory.relativize(path).toString(),
						PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)));
			}
		}
		return permissions;
	}

}
