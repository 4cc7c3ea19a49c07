package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;

/**
 * Continuous capture in a child JVM, the way the starter runs it in an application: one pass
 * that starts the chain, then a pass every sync interval (from the start of the one before), until the
 * process is killed. Arguments: {@code <database file> <store> <interval in ms> [zstd]}, where the
 * store is a backup directory or {@code http://host:port/bucket}, a bucket of an S3-compatible
 * endpoint that takes {@link S3ProxyProcess}'s credentials; prints {@code READY} once the chain has
 * started.
 */
final class CaptureProcess {

	private CaptureProcess() {
	}

	/** The options of a capture, zstd-compressed when the fourth argument says so. */
	static BackupOptions options(String[] args) {
		return (args.length > 3 && args[3].equals("zstd"))
				? BackupOptions.defaults().withStoredForm(new StoredForm(BackupCodec.ZSTD, null))
				: BackupOptions.defaults();
	}

	/**
	 * A backup directory, or for {@code http://host:port/bucket} the bucket at that endpoint, staging
	 * in the given folder; the client is never closed, as the store lives as long as the process.
	 */
	static BackupStore store(String location, Path s3Staging) throws IOException {
		if (!location.startsWith("http://")) {
			return new LocalDirectoryBackupStore(Path.of(location));
		}
		URI uri = URI.create(location);
		Files.createDirectories(s3Staging);
		return new S3BackupStore(S3ProxyProcess.client(URI.create("http://" + uri.getAuthority())),
				uri.getPath().substring(1), "", s3Staging, S3BackupStore.DEFAULT_PART_SIZE);
	}

	public static void main(String[] args) throws Exception {
		SqliteBackupTemplate template = new SqliteBackupTemplate(
				List.of(SqliteDatabase.of(ContinuousBenchmark.DATABASE, ScheduledWriter.plainDataSource(args[0]))),
				store(args[1], Path.of(args[0] + "-s3-staging")), options(args));
		template.capture(ContinuousBenchmark.DATABASE);
		long interval = Long.parseLong(args[2]);
		Thread passes = new Thread(() -> {
			// Paced as the starter paces them: a pass every interval from the start of the one before.
			while (true) {
				long started = System.nanoTime();
				try {
					template.capture(ContinuousBenchmark.DATABASE);
				}
				catch (RuntimeException ex) {
					// As the starter does: the WAL keeps the frames, the next pass ships them.
					System.err.println("capture pass failed: " + ex.getMessage());
				}
				long spent = (System.nanoTime() - started) / 1_000_000;
				try {
					Thread.sleep(Math.max(0, interval - spent));
				}
				catch (InterruptedException ex) {
					return;
				}
			}
		}, "capture-passes");
		passes.setDaemon(true);
		passes.start();
		PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
		out.println("READY");
		new CountDownLatch(1).await();
	}

}
