package dev.sqlitebackup.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.BackupStore;

/**
 * Whole backups and restores of one live database in several stored forms, next to {@code cp} +
 * fsync of the same file. Each run takes the baseline, then every form once (backup, restore with
 * the safety backup off, delete), so that other work on the machine falls on all of them alike.
 */
final class StoredFormRuns {

	/** One key for the whole benchmark; it only has to be a valid AES-256 key. */
	private static final BackupEncryption ENCRYPTION = BackupEncryption.of("bench", randomKey(), Map.of());

	private static final String DATABASE = "bench";

	final List<Double> baseline = new ArrayList<>();

	final Map<Form, Figures> figures = new LinkedHashMap<>();

	private StoredFormRuns() {
	}

	/**
	 * Measures every form {@code runs} times on {@code live}, keeping the backups in {@code store}
	 * and the baseline's copy in {@code scratch}; prints one line per run and form.
	 */
	static StoredFormRuns measure(String group, Path live, Path scratch, BackupStore store, List<Form> forms,
			int runs, PrintStream out) throws Exception {
		StoredFormRuns result = new StoredFormRuns();
		TimedStore timed = new TimedStore(store);
		for (Form form : forms) {
			result.figures.put(form, new Figures());
		}
		for (int run = 0; run < runs; run++) {
			double baseline = CopyBaseline.cpAndFsync(live, scratch);
			result.baseline.add(baseline);
			out.printf(Locale.ROOT, "%s run %d: cp + fsync %.2f s%n", group, run + 1, baseline);
			for (Form form : forms) {
				Figures figures = result.figures.get(form);
				SqliteBackupTemplate template = new SqliteBackupTemplate(
						List.of(SqliteDatabase.of(DATABASE, ScheduledWriter.plainDataSource(live.toString()))), timed,
						BackupOptions.defaults().withSafetyBackup(false).withStoredForm(form.storedForm()));
				long started = System.nanoTime();
				Backup backup = template.backup(DATABASE);
				long backedUp = System.nanoTime();
				template.restore(DATABASE, backup.id(), false);
				long restored = System.nanoTime();
				template.delete(DATABASE, backup.id());
				figures.add(backup, (backedUp - started) / 1e9, timed.lastPublishSeconds(), (restored - backedUp) / 1e9,
						timed.lastOpenSeconds());
				out.printf(Locale.ROOT, "%s run %d %s: backup %.2f s (publish %.2f), restore %.2f s (open %.2f), stored %.1f %%%n",
						group, run + 1, form.label(), figures.backupSeconds.get(run), figures.publishSeconds.get(run),
						figures.restoreSeconds.get(run), figures.openSeconds.get(run), figures.storedPercent());
			}
		}
		return result;
	}

	private static byte[] randomKey() {
		byte[] key = new byte[32];
		new SecureRandom().nextBytes(key);
		return key;
	}

	/**
	 * A stored form under test and the name tables give it.
	 *
	 * @param label name in the tables
	 * @param storedForm what the engine is configured with
	 */
	record Form(String label, StoredForm storedForm) {

		/** Compressed with the codec and, if asked, encrypted with AES-256-GCM. */
		static Form of(BackupCodec codec, boolean encrypted) {
			return new Form(codec.codecName() + (encrypted ? " + AES-256-GCM" : ""),
					new StoredForm(codec, encrypted ? ENCRYPTION : null));
		}

	}

	/** What the runs of one form measured, in seconds. */
	static final class Figures {

		final List<Double> backupSeconds = new ArrayList<>();

		final List<Double> publishSeconds = new ArrayList<>();

		final List<Double> restoreSeconds = new ArrayList<>();

		final List<Double> openSeconds = new ArrayList<>();

		private long storedBytes;

		private long databaseBytes;

		void add(Backup backup, double backupSeconds, double publishSeconds, double restoreSeconds,
				double openSeconds) {
			this.backupSeconds.add(backupSeconds);
			this.publishSeconds.add(publishSeconds);
			this.restoreSeconds.add(restoreSeconds);
			this.openSeconds.add(openSeconds);
			// The same bytes every run: the database is not written between runs and the codecs are deterministic.
			this.storedBytes = backup.sizeBytes();
			this.databaseBytes = (long) backup.pageSize() * backup.pageCount();
		}

		/** Stored bytes as a percentage of the database's pages. */
		double storedPercent() {
			return 100.0 * this.storedBytes / this.databaseBytes;
		}

		/** {@code 42.1 % (431.0 MiB)}. */
		String storedSize() {
			return String.format(Locale.ROOT, "%.1f %% (%.1f MiB)", storedPercent(), this.storedBytes / 1048576.0);
		}

	}

}
