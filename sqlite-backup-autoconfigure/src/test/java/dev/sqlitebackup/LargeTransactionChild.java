package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The process of the large transaction test, run with a small heap: starts a chain, commits one
 * transaction of the given size, ships it in one pass, and prints {@code SHIPPED <frames>}.
 * <p>
 * Arguments: {@code <database file> <backup directory> <transaction size in MiB>}.
 */
public final class LargeTransactionChild {

	private LargeTransactionChild() {
	}

	public static void main(String[] args) throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		config.setBusyTimeout(10_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + args[0]);
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(Path.of(args[1])), BackupOptions.defaults());
		template.capture("app");
		System.out.println("READY");
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			for (int mib = 0; mib < Integer.parseInt(args[2]); mib++) {
				statement.execute("INSERT INTO item (seq, padding) VALUES (" + mib + ", randomblob(1048576))");
			}
			statement.execute("COMMIT");
		}
		long started = System.nanoTime();
		CaptureResult shipped = template.capture("app");
		long millis = (System.nanoTime() - started) / 1_000_000;
		System.out.println("SHIPPED " + shipped.frames() + " frames (" + shipped.bytes() + " bytes) in " + millis
				+ " ms, heap used at most " + peakHeap() + " MiB");
		template.stopCapture("app");
	}

	private static long peakHeap() {
		return java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == java.lang.management.MemoryType.HEAP)
			.mapToLong((pool) -> pool.getPeakUsage().getUsed())
			.sum() >> 20;
	}

}
