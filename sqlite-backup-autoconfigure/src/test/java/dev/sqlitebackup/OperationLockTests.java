package dev.sqlitebackup;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
 * Guarantee 6: one operation per database at a time; a second one fails fast, and different
 * databases do not wait for each other.
 */
class OperationLockTests {

	@TempDir
	Path temp;

	private DataSource orders;

	private DataSource users;

	private SqliteBackupTemplate template;

	private volatile boolean holding = true;

	private final CountDownLatch copying = new CountDownLatch(1);

	private final CountDownLatch release = new CountDownLatch(1);

	@BeforeEach
	void createDatabases() throws Exception {
		this.orders = TestDatabases.hikari(this.temp.resolve("orders.db"), Mode.WAL);
		this.users = TestDatabases.hikari(this.temp.resolve("users.db"), Mode.WAL);
		TestDatabases.createAccounts(this.orders, 1_000);
		TestDatabases.createNotes(this.users, "u");
		this.template = new SqliteBackupTemplate(
				List.of(SqliteDatabase.of("orders", this.orders), SqliteDatabase.of("users", this.users)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withPagesPerStep(8));
		// Holds the backup of "orders" in the middle of its copy until the test lets it go.
		this.template.addListener(new BackupListener() {

			@Override
			public void progress(OperationStatus status) {
				if (status.database().equals("orders") && OperationLockTests.this.holding) {
					OperationLockTests.this.copying.countDown();
					await(OperationLockTests.this.release);
				}
			}

		});
	}

	@AfterEach
	void close() {
		this.release.countDown();
		TestDatabases.close(this.orders);
		TestDatabases.close(this.users);
	}

	@Test
	void secondBackupOfTheSameDatabaseFailsFastWhileOneRuns() throws Exception {
		CompletableFuture<Backup> first = CompletableFuture.supplyAsync(() -> this.template.backup("orders"));
		assertThat(this.copying.await(30, TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(OperationInProgressException.class)
			.isThrownBy(() -> this.template.backup("orders"))
			.satisfies((ex) -> assertThat(ex.getRunning()).isEqualTo(OperationType.BACKUP));
		this.release.countDown();
		assertThat(first.get(30, TimeUnit.SECONDS).database()).isEqualTo("orders");
		assertThat(this.template.list("orders")).hasSize(1);
	}

	@Test
	void aDrillOfTheSameDatabaseFailsFastWhileABackupRuns() throws Exception {
		backupWithoutBlocking();
		CompletableFuture<Backup> running = CompletableFuture.supplyAsync(() -> this.template.backup("orders"));
		assertThat(this.copying.await(30, TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(OperationInProgressException.class).isThrownBy(() -> this.template.drill("orders"))
			.satisfies((ex) -> assertThat(ex.getRunning()).isEqualTo(OperationType.BACKUP));
		this.release.countDown();
		running.get(30, TimeUnit.SECONDS);
		assertThat(this.template.drill("orders").passed()).isTrue();
	}

	@Test
	void restoreOfTheSameDatabaseFailsFastWhileABackupRuns() throws Exception {
		Backup earlier = backupWithoutBlocking();
		CompletableFuture<Backup> running = CompletableFuture.supplyAsync(() -> this.template.backup("orders"));
		assertThat(this.copying.await(30, TimeUnit.SECONDS)).isTrue();
		assertThatExceptionOfType(OperationInProgressException.class)
			.isThrownBy(() -> this.template.restore("orders", earlier.id()));
		this.release.countDown();
		running.get(30, TimeUnit.SECONDS);
	}

	@Test
	void otherDatabasesAreNotBlockedWhileOneIsBusy() throws Exception {
		CompletableFuture<Backup> running = CompletableFuture.supplyAsync(() -> this.template.backup("orders"));
		assertThat(this.copying.await(30, TimeUnit.SECONDS)).isTrue();
		Backup users = this.template.backup("users");
		assertThat(users.database()).isEqualTo("users");
		assertThat(running).isNotDone();
		this.release.countDown();
		running.get(30, TimeUnit.SECONDS);
	}

	@Test
	void currentOperationShowsTheRunningBackupAndItsProgress() throws Exception {
		CompletableFuture<Backup> running = CompletableFuture.supplyAsync(() -> this.template.backup("orders"));
		assertThat(this.copying.await(30, TimeUnit.SECONDS)).isTrue();
		OperationStatus status = this.template.currentOperation("orders").orElseThrow();
		assertThat(status.type()).isEqualTo(OperationType.BACKUP);
		assertThat(status.pagesTotal()).isGreaterThan(status.pagesDone());
		this.release.countDown();
		running.get(30, TimeUnit.SECONDS);
		assertThat(this.template.currentOperation("orders")).isEmpty();
	}

	private Backup backupWithoutBlocking() {
		this.holding = false;
		Backup backup = this.template.backup("orders");
		this.holding = true;
		return backup;
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
