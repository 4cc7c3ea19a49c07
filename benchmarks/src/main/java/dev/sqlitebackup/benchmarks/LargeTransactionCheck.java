package dev.sqlitebackup.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * Child-JVM check that continuous backup ships a transaction far larger than its heap: run with a
 * small {@code -Xmx}, it starts a chain, commits one transaction of the given size in MiB, ships it
 * in one pass and prints {@code OK <commit s> <ship s> <frame bytes> <peak heap MiB> <max heap MiB>}.
 */
public final class LargeTransactionCheck {

	private LargeTransactionCheck() {
	}

	public static void main(String[] args) throws Exception {
		Path database = Path.of(args[0]);
		Path backups = Path.of(args[1]);
		int mebibytes = Integer.parseInt(args[2]);
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		config.setBusyTimeout(10_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + database);
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS item (seq INTEGER PRIMARY KEY, padding BLOB)");
		}
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("big", dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		template.capture("big");
		long started = System.nanoTime();
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			for (int mib = 0; mib < mebibytes; mib++) {
				statement.execute("INSERT INTO item (seq, padding) VALUES (" + mib + ", randomblob(1048576))");
			}
			statement.execute("COMMIT");
		}
		long committed = System.nanoTime();
		resetPeaks();
		CaptureResult shipped = template.capture("big");
		long done = System.nanoTime();
		long peak = ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.mapToLong((pool) -> pool.getPeakUsage().getUsed())
			.sum() >> 20;
		template.stopCapture("big");
		System.out.println(String.format(Locale.ROOT, "OK %.2f %.2f %d %d %d", (committed - started) / 1e9,
				(done - committed) / 1e9, shipped.bytes(), peak, Runtime.getRuntime().maxMemory() >> 20));
		Files.deleteIfExists(database);
	}

	private static void resetPeaks() {
		System.gc();
		ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
	}

}
