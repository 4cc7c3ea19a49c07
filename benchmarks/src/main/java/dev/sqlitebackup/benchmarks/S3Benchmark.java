package dev.sqlitebackup.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

import software.amazon.awssdk.services.s3.S3Client;

import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.store.s3.S3BackupStore;

/**
 * The {@code s3} group: backups into and restores from a real S3-compatible server, S3Proxy on
 * loopback, as a plain file and as zstd + AES-256-GCM, next to {@code cp} + fsync of the same file
 * in the same runs. With no network in between, this measures the engine, the AWS SDK and the
 * streaming to and from S3Proxy (which writes the objects to the same disk), not a network.
 */
final class S3Benchmark {

	static final List<StoredFormRuns.Form> FORMS = List.of(StoredFormRuns.Form.of(BackupCodec.NONE, false),
			StoredFormRuns.Form.of(BackupCodec.ZSTD, true));

	private static final String BUCKET = "bench";

	private S3Benchmark() {
	}

	/** Runs the group and returns its table. */
	static String run(Path generated, DatabaseGenerator.Profile data, Path directory, int runs, PrintStream out)
			throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, directory.resolve("live-WAL.db"), "WAL");
		Path serverDirectory = directory.resolve("s3proxy");
		Path staging = directory.resolve("s3-staging");
		try (S3ProxyProcess server = S3ProxyProcess.start(serverDirectory); S3Client client = server.client()) {
			client.createBucket((request) -> request.bucket(BUCKET));
			S3BackupStore store = new S3BackupStore(client, BUCKET, "", staging, S3BackupStore.DEFAULT_PART_SIZE);
			StoredFormRuns result = StoredFormRuns.measure("s3", live, directory, store, FORMS, runs, out);
			return table(result, data, runs);
		}
		finally {
			Benchmark.deleteTree(serverDirectory);
			Benchmark.deleteTree(staging);
		}
	}

	private static String table(StoredFormRuns result, DatabaseGenerator.Profile data, int runs) {
		StringBuilder table = new StringBuilder();
		table.append("### S3: S3Proxy on loopback").append(data.headingSuffix()).append(" (WAL, ")
			.append(S3BackupStore.DEFAULT_PART_SIZE >> 20)
			.append(" MiB parts; s, median [min–max] of ").append(runs)
			.append("; ratio of medians to cp + fsync)\n\n");
		table.append("| stored as | size (% of the database) | whole backup into S3 | ratio | of which upload | whole restore from S3 (no safety backup) | ratio | of which download |\n")
			.append("|---|---|---|---|---|---|---|---|\n");
		String baseline = Stats.spread(result.baseline, 2);
		table.append("| baseline: cp + fsync of the live file | 100 % | ").append(baseline).append(" | 1.00× | – | ")
			.append(baseline).append(" | 1.00× | – |\n");
		double base = Stats.median(result.baseline);
		result.figures.forEach((form, figures) -> table.append("| ").append(form.label()).append(" | ")
			.append(figures.storedSize()).append(" | ").append(Stats.spread(figures.backupSeconds, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(figures.backupSeconds), base)).append(" | ")
			.append(Stats.spread(figures.publishSeconds, 2)).append(" | ")
			.append(Stats.spread(figures.restoreSeconds, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(figures.restoreSeconds), base)).append(" | ")
			.append(Stats.spread(figures.openSeconds, 2)).append(" |\n"));
		return table.toString();
	}

}
