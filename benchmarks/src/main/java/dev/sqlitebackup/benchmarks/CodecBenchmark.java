package dev.sqlitebackup.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The {@code codecs} group: what compression and encryption cost in time and save in space. The
 * same WAL database is backed up and restored, in a local directory, as a plain file, gzip, zstd
 * and zstd + AES-256-GCM, next to {@code cp} + fsync of the same file in the same runs.
 */
final class CodecBenchmark {

	static final List<StoredFormRuns.Form> FORMS = List.of(StoredFormRuns.Form.of(BackupCodec.NONE, false),
			StoredFormRuns.Form.of(BackupCodec.GZIP, false), StoredFormRuns.Form.of(BackupCodec.ZSTD, false),
			StoredFormRuns.Form.of(BackupCodec.ZSTD, true));

	private CodecBenchmark() {
	}

	/** Runs the group and returns its table. */
	static String run(Path generated, DatabaseGenerator.Profile data, Path directory, int runs, PrintStream out)
			throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, directory.resolve("live-WAL.db"), "WAL");
		Path backups = directory.resolve("codec-backups");
		try {
			StoredFormRuns result = StoredFormRuns.measure("codecs", live, directory,
					new LocalDirectoryBackupStore(backups), FORMS, runs, out);
			return table(result, data, runs);
		}
		finally {
			Benchmark.deleteTree(backups);
		}
	}

	private static String table(StoredFormRuns result, DatabaseGenerator.Profile data, int runs) {
		StringBuilder table = new StringBuilder();
		table.append("### Compression and encryption").append(data.headingSuffix())
			.append(" (WAL, local directory; s, median [min–max] of ").append(runs)
			.append("; ratio of medians to cp + fsync)\n\n");
		table.append("| stored as | size (% of the database) | whole backup | ratio | whole restore (no safety backup) | ratio |\n")
			.append("|---|---|---|---|---|---|\n");
		String baseline = Stats.spread(result.baseline, 2);
		table.append("| baseline: cp + fsync of the live file | 100 % | ").append(baseline).append(" | 1.00× | ")
			.append(baseline).append(" | 1.00× |\n");
		double base = Stats.median(result.baseline);
		result.figures.forEach((form, figures) -> table.append("| ").append(form.label()).append(" | ")
			.append(figures.storedSize()).append(" | ").append(Stats.spread(figures.backupSeconds, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(figures.backupSeconds), base)).append(" | ")
			.append(Stats.spread(figures.restoreSeconds, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(figures.restoreSeconds), base)).append(" |\n"));
		return table.toString();
	}

}
