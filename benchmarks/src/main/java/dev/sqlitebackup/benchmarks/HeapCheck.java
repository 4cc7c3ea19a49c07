package dev.sqlitebackup.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * Child-JVM check that a backup and a restore of a large database need no heap in proportion to
 * its size: run with a small {@code -Xmx}, it backs up and restores the given file and prints
 * {@code OK <backup s> <restore s> <max heap MiB>}.
 */
public final class HeapCheck {

	private HeapCheck() {
	}

	public static void main(String[] args) {
		Path live = Path.of(args[0]);
		Path backups = Path.of(args[1]);
		long memoryStagingLimit = Long.parseLong(args[2]);
		SqliteBackupTemplate template = new SqliteBackupTemplate(
				List.of(SqliteDatabase.of("heap", ScheduledWriter.plainDataSource(live.toString()))),
				new LocalDirectoryBackupStore(backups),
				BackupOptions.defaults().withSafetyBackup(false).withMemoryStagingLimit(memoryStagingLimit));
		long started = System.nanoTime();
		Backup backup = template.backup("heap");
		long backedUp = System.nanoTime();
		template.restore("heap", backup.id(), false);
		long restored = System.nanoTime();
		template.delete("heap", backup.id());
		System.out.println(String.format(Locale.ROOT, "OK %.2f %.2f %d", (backedUp - started) / 1e9,
				(restored - backedUp) / 1e9, Runtime.getRuntime().maxMemory() / (1024 * 1024)));
	}

}
