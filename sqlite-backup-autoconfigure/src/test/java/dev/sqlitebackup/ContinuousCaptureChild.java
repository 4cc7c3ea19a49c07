package dev.sqlitebackup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The process a continuous backup crash test kills: commits numbered rows and runs a capture pass
 * after every few, printing {@code CAPTURED <n>} once rows 1 to n are shipped.
 * <p>
 * Arguments: {@code <database file> <backup directory>}.
 */
public final class ContinuousCaptureChild {

	private ContinuousCaptureChild() {
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
			for (long n = 1;; n++) {
				statement.execute("INSERT INTO item (seq, padding) VALUES (" + n + ", randomblob(2000))");
				if (n % 5 == 0) {
					template.capture("app");
					System.out.println("CAPTURED " + n);
				}
			}
		}
	}

}
