package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Two processes (two instances of an application during a rolling deployment, say) that share a
 * backup directory: while one runs an operation on a database, the other's operations on it fail
 * fast and its clean-up leaves the running operation's files alone.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreLockTests {

	@TempDir
	Path temp;

	private Path database;

	private Path backups;

	private DataSource dataSource;

	private Process child;

	@BeforeEach
	void createDatabase() throws Exception {
		this.database = this.temp.resolve("app.db");
		this.backups = this.temp.resolve("backups");
		this.dataSource = TestDatabases.plain(this.database, Mode.WAL);
		TestDatabases.createAccounts(this.dataSource, 20_000);
	}

	@AfterEach
	void stopChild() throws Exception {
		if (this.child != null) {
			this.child.destroyForcibly();
			this.child.waitFor();
		}
	}

	@Test
	void operationsFailFastWhileAnotherProcessBacksUpTheDatabase() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Backup earlier = template.backup("app");
		startChildPausedInABackup();

		assertThatExceptionOfType(OperationInProgressException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("already running in another process that uses " + this.backups);
		assertThatExceptionOfType(OperationInProgressException.class)
			.isThrownBy(() -> template.restore("app", earlier.id()));
		assertThatExceptionOfType(OperationInProgressException.class)
			.isThrownBy(() -> template.prune("app", new RetentionPolicy(1, null)));
		assertThat(template.list("app")).containsExactly(earlier);
	}

	@Test
	void cleanUpLeavesTheFilesOfAnotherProcesssOperationAlone() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		startChildPausedInABackup();
		List<Path> staged = stagingFiles();
		assertThat(staged).isNotEmpty();

		template.cleanUp();

		assertThat(stagingFiles()).containsAll(staged);
	}

	@Test
	void theLockGoesWithAProcessThatDies() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		startChildPausedInABackup();
		this.child.destroyForcibly();
		this.child.waitFor();

		Backup backup = template.backup("app");

		assertThat(template.list("app")).containsExactly(backup);
	}

	@Test
	void twoStoresOnTheSameDirectoryInOneProcessDoNotOverlap() throws Exception {
		SqliteBackupTemplate first = template(new LocalDirectoryBackupStore(this.backups));
		SqliteBackupTemplate second = template(new LocalDirectoryBackupStore(this.backups));
		CountDownLatch copying = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		first.addListener(new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				copying.countDown();
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}

		});
		CompletableFuture<Backup> running = CompletableFuture.supplyAsync(() -> first.backup("app"));
		try {
			assertThat(copying.await(30, TimeUnit.SECONDS)).isTrue();
			assertThatExceptionOfType(OperationInProgressException.class).isThrownBy(() -> second.backup("app"));
		}
		finally {
			release.countDown();
		}
		Backup backup = running.get(30, TimeUnit.SECONDS);
		assertThat(second.backup("app")).isNotEqualTo(backup);
	}

	@Test
	void aSecondAttemptInThisProcessLeavesTheLockHeldAgainstOtherProcesses() throws Exception {
		try (StoreLock held = new LocalDirectoryBackupStore(this.backups).tryLock("app").orElseThrow()) {
			assertThat(new LocalDirectoryBackupStore(this.backups).tryLock("app")).isEmpty();

			this.child = CrashTests.startChild(StoreLockProbe.class, List.of(this.backups.toString(), "app"), "HELD");
		}
	}

	@Test
	void theLockIsFreeAgainOnceItsHolderReleasesIt() throws Exception {
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(this.backups);
		store.tryLock("app").orElseThrow().close();

		this.child = CrashTests.startChild(StoreLockProbe.class, List.of(this.backups.toString(), "app"), "TAKEN");
		this.child.waitFor();
		assertThat(store.tryLock("app")).isPresent();
	}

	@Test
	void lockFileThatCannotBeOpenedFailsTheOperationInsteadOfRunningUnlocked() throws Exception {
		SqliteBackupTemplate template = template(new LocalDirectoryBackupStore(this.backups));
		Files.createDirectories(this.backups.resolve("app/.lock"));

		assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> template.backup("app"))
			.withMessageContaining("Cannot lock " + this.backups)
			.withMessageContaining("nothing was done")
			.withMessageContaining(".lock");
		assertThat(template.list("app")).isEmpty();
	}

	@Test
	void fileSystemWithoutLocksIsWarnedAboutOnceAndOperationsGoOn(CapturedOutput output) throws Exception {
		LocalDirectoryBackupStore withoutLocks = new LocalDirectoryBackupStore(this.backups) {

			@Override
			public Optional<StoreLock> tryLock(String database) throws IOException {
				throw new IOException("No locks available");
			}

		};
		SqliteBackupTemplate template = template(withoutLocks);

		Backup first = template.backup("app");
		Backup second = template.backup("app");

		assertThat(template.list("app")).containsExactly(second, first);
		assertThat(output.getOut().split("does not support file locks", -1)).hasSize(2);
	}

	private SqliteBackupTemplate template(LocalDirectoryBackupStore store) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)), store,
				BackupOptions.defaults().withPagesPerStep(64));
	}

	/** A child JVM backing up the same database into the same directory, paused at a third of its copy. */
	private void startChildPausedInABackup() throws Exception {
		this.child = CrashTests.startChild(CrashChild.class, List.of("backup", this.database.toString(), "WAL",
				this.backups.toString(), "BACKUP-35", "-"), "PAUSED BACKUP-35");
	}

	private List<Path> stagingFiles() throws Exception {
		try (var files = Files.list(this.backups.resolve("app/.staging"))) {
			return files.toList();
		}
	}

}
