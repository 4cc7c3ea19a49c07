package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyServer;

/**
 * The process a continuous backup crash test kills: commits numbered rows and runs a capture pass
 * after every few, printing {@code CAPTURED <n>} once rows 1 to n are shipped.
 * <p>
 * Arguments: {@code <database file> <backup directory or s3:...> [<rows between passes> [compact,lease]]}; with 0
 * it runs the first pass only, printing {@code COMMITTED <n>} after each row instead; with
 * {@code compact} every pass compacts and thins ({@link ContinuousCompactionTests#EVERY_PASS}); with
 * {@code lease} it captures under a 15 s lease on the store.
 */
public final class ContinuousCaptureChild {

	private ContinuousCaptureChild() {
	}

	/** Reads what the child needs of the database without the test helpers' pools. */
	private static final class TestDatabasesFree {

		static long maxSeq(Statement statement) throws java.sql.SQLException {
			try (java.sql.ResultSet rows = statement.executeQuery("SELECT coalesce(max(seq), 0) FROM item")) {
				rows.next();
				return rows.getLong(1);
			}
		}

	}

	/**
	 * A backup directory, or {@code s3:<endpoint>|<bucket>|<prefix>|<staging directory>} for a bucket
	 * of S3Proxy's (its test credentials).
	 */
	private static BackupStore store(String location) throws java.io.IOException {
		if (!location.startsWith("s3:")) {
			return new LocalDirectoryBackupStore(Path.of(location));
		}
		String[] parts = location.substring(3).split("\\|");
		return new S3BackupStore(S3ProxyServer.client(java.net.URI.create(parts[0])), parts[1], parts[2],
				Path.of(parts[3]), 8L * 1024 * 1024);
	}

	public static void main(String[] args) throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		config.setBusyTimeout(10_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + args[0]);
		List<String> flags = (args.length > 3) ? List.of(args[3].split(",")) : List.of();
		BackupOptions options = flags.contains("compact")
				? BackupOptions.defaults().withCompaction(ContinuousCompactionTests.EVERY_PASS) : BackupOptions.defaults();
		if (flags.contains("lease")) {
			options = options.withLeaseDuration(java.time.Duration.ofSeconds(15));
		}
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				store(args[1]), options);
		template.capture("app");
		System.out.println("READY");
		int every = (args.length > 2) ? Integer.parseInt(args[2]) : 5;
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			long first = 1 + TestDatabasesFree.maxSeq(statement);
			for (long n = first;; n++) {
				statement.execute("INSERT INTO item (seq, padding) VALUES (" + n + ", randomblob(2000))");
				if (every == 0) {
					System.out.println("COMMITTED " + n);
					Thread.sleep(5);
				}
				else if (n % every == 0) {
					template.capture("app");
					System.out.println("CAPTURED " + n);
				}
			}
		}
	}

}
