package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The process that crash tests kill: runs one backup or restore through the engine and prints a
 * marker line at every point of interest. When a marker equals the requested pause point it also
 * prints {@code PAUSED} and waits to be killed there.
 * <p>
 * Arguments: {@code backup|restore <database file> <journal mode> <backup directory> <pause marker>
 * [backup id]}.
 */
public final class CrashChild {

	private static String pauseAt;

	private CrashChild() {
	}

	public static void main(String[] args) throws Exception {
		String action = args[0];
		Path file = Path.of(args[1]);
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.valueOf(args[2]));
		config.setBusyTimeout(10_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + file);
		pauseAt(args[4]);
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new MarkingStore(new LocalDirectoryBackupStore(Path.of(args[3]))),
				BackupOptions.defaults().withPagesPerStep(256));
		template.addListener(new MarkingListener(action.equals("backup") ? "BACKUP" : "SAFETY"));
		if (action.equals("backup")) {
			template.backup("app");
		}
		else {
			template.restore("app", args[5]);
		}
		mark("DONE");
	}

	/** Makes {@link #mark} pause at this marker ({@code -} for none). */
	static void pauseAt(String marker) {
		pauseAt = marker;
	}

	static void mark(String marker) {
		System.out.println("MARK " + marker);
		System.out.flush();
		if (marker.equals(pauseAt)) {
			System.out.println("PAUSED " + marker);
			System.out.flush();
			try {
				Thread.sleep(Long.MAX_VALUE);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Marks progress thresholds as the copy crosses them. A restore copies twice, first the
	 * safety backup ({@code SAFETY-…} markers) then the backup into the live database
	 * ({@code RESTORE-…}).
	 */
	private static final class MarkingListener implements BackupListener {

		private static final int[] THRESHOLDS = { 5, 35, 50, 70, 100 };

		private final Set<String> marked = new HashSet<>();

		private String phase;

		MarkingListener(String phase) {
			this.phase = phase;
		}

		@Override
		public void progress(OperationStatus status) {
			String type = this.phase;
			if (this.marked.add(type + "-START")) {
				mark(type + "-START");
			}
			for (int threshold : THRESHOLDS) {
				if (status.fractionDone() * 100 >= threshold && this.marked.add(type + "-" + threshold)) {
					mark(type + "-" + threshold);
				}
			}
		}

		@Override
		public void backupCompleted(Backup backup) {
			mark(this.phase + "-COMPLETED");
			this.phase = "RESTORE";
		}

		@Override
		public void restoreCompleted(RestoreResult result) {
			mark("RESTORE-COMPLETED");
		}

	}

	/** Marks entry to and exit from publishing. */
	private record MarkingStore(BackupStore delegate) implements BackupStore {

		@Override
		public List<Backup> list(String database) {
			return this.delegate.list(database);
		}

		@Override
		public Optional<Backup> find(String database, String backupId) {
			return this.delegate.find(database, backupId);
		}

		@Override
		public StagingFile newStagingFile(String database, String backupId) throws IOException {
			return this.delegate.newStagingFile(database, backupId);
		}

		@Override
		public Backup publish(Path stagingFile, Backup backup) throws IOException {
			mark("PUBLISH");
			Backup published = this.delegate.publish(stagingFile, backup);
			mark("PUBLISHED");
			return published;
		}

		@Override
		public StoredBackupFile open(Backup backup) throws IOException {
			return this.delegate.open(backup);
		}

		@Override
		public void delete(Backup backup) throws IOException {
			this.delegate.delete(backup);
		}

		@Override
		public void cleanUp(String database) throws IOException {
			this.delegate.cleanUp(database);
		}

		@Override
		public String describe() {
			return this.delegate.describe();
		}

		@Override
		public Optional<StoreLock> tryLock(String database) throws IOException {
			return this.delegate.tryLock(database);
		}

	}

}
