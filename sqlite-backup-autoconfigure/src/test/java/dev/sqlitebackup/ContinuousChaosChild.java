package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The capturing process of the chaos test: captures every sync interval (every seventh time by
 * taking a backup, which becomes a later snapshot of the chain) and commits transfers
 * ({@link ContinuousChaosTests#transfer}), printing {@code ACK <seq> <millis>} for each. On a
 * {@code stop} line it stops writing, ships what was committed and prints {@code STOPPED}.
 * <p>
 * Prints {@code CHAIN <id>} for every chain it starts and {@code STANDBY} when another process
 * captures.
 * <p>
 * Arguments: {@code <database file> <backup directory> <sync interval in ms> [<clock offset in ms>]}:
 * a negative offset runs its clock behind, as after a restart on a machine whose clock is behind.
 */
public final class ContinuousChaosChild {

	private ContinuousChaosChild() {
	}

	private static boolean standing;

	private static void report(CaptureResult result) {
		if (result.startedChain()) {
			System.out.println("CHAIN " + result.chainId());
		}
		if (result.isStandby() != standing) {
			standing = result.isStandby();
			System.out.println(standing ? "STANDBY" : "CAPTURING");
		}
	}

	public static void main(String[] args) throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		config.setBusyTimeout(20_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + args[0]);
		long syncMillis = Long.parseLong(args[2]);
		java.time.Clock clock = java.time.Clock.offset(java.time.Clock.systemUTC(),
				java.time.Duration.ofMillis((args.length > 3) ? Long.parseLong(args[3]) : 0));
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(Path.of(args[1])), BackupOptions.defaults().withSyncInterval(
						java.time.Duration.ofMillis(syncMillis)), clock);
		report(template.capture("app"));
		System.out.println("READY");
		Thread writer = new Thread(() -> {
			try (Connection connection = dataSource.getConnection()) {
				while (!Thread.currentThread().isInterrupted()) {
					long[] acked = ContinuousChaosTests.transfer(connection);
					System.out.println("ACK " + acked[0] + " " + acked[1]);
				}
			}
			catch (Exception ex) {
				System.out.println("WRITER FAILED " + ex);
			}
		});
		AtomicBoolean capturing = new AtomicBoolean(true);
		// Stopped by a flag, not an interrupt: an interrupt closes the file channel a pass is reading.
		Thread capturer = new Thread(() -> {
			int passes = 0;
			while (capturing.get()) {
				try {
					// Now and then a backup, as the scheduled job takes them: a later snapshot of the chain.
					if (++passes % 7 == 0) {
						template.backup("app");
					}
					else {
						report(template.capture("app"));
					}
					Thread.sleep(syncMillis);
				}
				catch (InterruptedException ex) {
					return;
				}
				catch (RuntimeException ex) {
					System.out.println("CAPTURE FAILED " + ex.getMessage());
					try {
						Thread.sleep(syncMillis);
					}
					catch (InterruptedException interrupted) {
						return;
					}
				}
			}
		});
		writer.start();
		capturer.start();
		BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		while (!"stop".equals(input.readLine())) {
			// Waits for the test to say stop, or to kill the process.
		}
		writer.interrupt();
		writer.join();
		capturing.set(false);
		capturer.join();
		template.stopCapture("app");
		System.out.println("STOPPED");
	}

}
