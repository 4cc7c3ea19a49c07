package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The backup directory on a small, size-limited file system (a tmpfs this test mounts; it needs
 * root, as CI has): a backup or a safety backup that does not fit fails clearly, leaves nothing
 * behind, and changes nothing live; once space is freed the same operation succeeds.
 */
@EnabledOnOs(OS.LINUX)
class FullDiskTests {

	private static final String SIZE = "8m";

	private static Path mountPoint;

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	@BeforeAll
	static void mountSmallFileSystem() throws Exception {
		mountPoint = Files.createTempDirectory("sqlite-backup-full-disk");
		int exit = run("mount", "-t", "tmpfs", "-o", "size=" + SIZE, "tmpfs", mountPoint.toString());
		Assumptions.assumeTrue(exit == 0, "mounting a tmpfs needs root (CI runs as root)");
	}

	@AfterAll
	static void unmount() throws Exception {
		run("umount", mountPoint.toString());
		Files.deleteIfExists(mountPoint);
	}

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 15_000);
		TestDatabases.createNotes(this.dataSource, "before");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(mountPoint.resolve("backups")), BackupOptions.defaults());
	}

	@AfterEach
	void cleanUp() throws Exception {
		TestDatabases.close(this.dataSource);
		run("sh", "-c", "rm -rf " + mountPoint + "/*");
	}

	@Test
	void backupThatDoesNotFitFailsClearlyAndLeavesNothing() throws Exception {
		Path filler = fillLeaving(2 * 1024 * 1024);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> this.template.backup("app"))
			.withMessageContaining("disk full");
		assertThat(this.template.list("app")).isEmpty();
		assertThat(NoPartialBackupTests.filesUnder(mountPoint.resolve("backups"))).isEmpty();
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("before");
		Files.delete(filler);
		Backup backup = this.template.backup("app");
		assertThat(this.template.verify("app", backup.id()).valid()).isTrue();
	}

	@Test
	void restoreWhoseSafetyBackupDoesNotFitFailsAndChangesNothing() throws Exception {
		Backup backup = this.template.backup("app");
		TestDatabases.addNote(this.dataSource, "after");
		Path filler = fillLeaving(2 * 1024 * 1024);
		assertThatExceptionOfType(RestoreFailedException.class)
			.isThrownBy(() -> this.template.restore("app", backup.id()))
			.withMessageContaining("safety backup failed")
			.withMessageContaining("disk full")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("before", "after");
		assertThat(this.template.list("app")).extracting(Backup::id).containsExactly(backup.id());
		Files.delete(filler);
		RestoreResult result = this.template.restore("app", backup.id());
		assertThat(result.safetyBackupId()).isNotNull();
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("before");
	}

	@Test
	void compressedBackupWhoseEncodingDoesNotFitLeavesNoStagingFiles() throws Exception {
		SqliteBackupTemplate gzip = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(mountPoint.resolve("backups")),
				BackupOptions.defaults().withStoredForm(new StoredForm(BackupCodec.GZIP, null)));
		// Room for the plain copy (random padding, about 3 MB) but not for its encoded copy beside it.
		Path filler = fillLeaving(4 * 1024 * 1024);
		assertThatExceptionOfType(BackupFailedException.class).isThrownBy(() -> gzip.backup("app"));
		assertThat(NoPartialBackupTests.filesUnder(mountPoint.resolve("backups"))).isEmpty();
		Files.delete(filler);
		assertThat(gzip.verify("app", gzip.backup("app").id()).valid()).isTrue();
	}

	/** Fills the file system until only about the given number of bytes are free. */
	private Path fillLeaving(long freeBytes) throws IOException {
		Files.createDirectories(mountPoint.resolve("backups"));
		Path filler = mountPoint.resolve("filler");
		long size = Files.getFileStore(mountPoint).getUsableSpace() - freeBytes;
		try (var file = new java.io.RandomAccessFile(filler.toFile(), "rw")) {
			byte[] chunk = new byte[64 * 1024];
			for (long written = 0; written < size; written += chunk.length) {
				file.write(chunk, 0, (int) Math.min(chunk.length, size - written));
			}
		}
		return filler;
	}

	private static int run(String... command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		process.getInputStream().readAllBytes();
		return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
	}

}
