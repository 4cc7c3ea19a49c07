package dev.sqlitebackup.benchmarks;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SegmentContent;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.SegmentManifestFormat;

/**
 * What reading the restore window costs with a very long chain: a real chain is captured, then
 * its store is given as many more segment manifests as asked (copies of its newest one under the
 * following sequence numbers, which is all a listing reads), and its head record is moved to the
 * newest. The window a fresh template lists (what the first listing or health check after a
 * start, a backup or a restore reads) is timed against listing every segment manifest, which is
 * what reading the window cost before chains had head records.
 */
final class ListingBenchmark {

	private ListingBenchmark() {
	}

	static String run(Path directory, long segments, int runs, PrintStream out) throws Exception {
		Path root = directory.resolve("listing");
		Benchmark.deleteTree(root);
		Files.createDirectories(root);
		Path backups = root.resolve("backups");
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + root.resolve("app.db"));
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, padding BLOB)");
		}
		SqliteBackupTemplate capturing = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
		capturing.capture("app");
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("INSERT INTO item (padding) VALUES (randomblob(100))");
		}
		capturing.capture("app");
		capturing.stopCapture("app");
		LocalDirectoryBackupStore store = new LocalDirectoryBackupStore(backups);
		Segment newest = store.listSegments("app").stream().max((a, b) -> a.id().compareTo(b.id())).orElseThrow();
		long started = System.nanoTime();
		Path folder = backups.resolve("app").resolve("segments");
		Segment last = newest;
		for (long sequence = newest.sequence() + 1; sequence < segments; sequence++) {
			var fields = new java.util.LinkedHashMap<>(SegmentContent.fields(newest));
			fields.put("sequence", Long.toString(sequence));
			last = SegmentContent.parse(fields, null);
			Files.writeString(folder.resolve(last.id() + ".segment"), SegmentManifestFormat.write(last),
					StandardCharsets.ISO_8859_1);
		}
		ChainHead head = store.listChainHeads("app").get(newest.chainId());
		store.publishChainHead(new ChainHead(head.database(), head.chainId(), head.parent(), head.startReason(),
				head.snapshots(), head.gaps(), last.sequence(), last.capturedAt(), last.plainSha256(), last.pageCount(),
				last.capturedAt(), null, null));
		out.printf(Locale.ROOT, "listing: %d segment manifests written in %.1f s%n", segments,
				(System.nanoTime() - started) / 1e9);

		List<Double> windows = new ArrayList<>();
		List<Double> heaps = new ArrayList<>();
		for (int run = 0; run < runs; run++) {
			SqliteBackupTemplate fresh = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
					new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
			System.gc();
			long before = used();
			long start = System.nanoTime();
			RestoreWindow window = fresh.restoreWindow("app").orElseThrow();
			windows.add((System.nanoTime() - start) / 1e6);
			heaps.add((used() - before) / (1024.0 * 1024.0));
			out.println("listing: window " + window.from() + " to " + window.to() + " in " + windows.get(run) + " ms");
		}
		List<Double> listings = new ArrayList<>();
		List<Double> listingHeaps = new ArrayList<>();
		for (int run = 0; run < Math.min(runs, 2); run++) {
			System.gc();
			long before = used();
			long start = System.nanoTime();
			int count = store.listSegments("app").size();
			listings.add((System.nanoTime() - start) / 1e6);
			listingHeaps.add((used() - before) / (1024.0 * 1024.0));
			out.println("listing: " + count + " manifests listed in " + listings.get(run) + " ms");
		}
		Benchmark.deleteTree(root);
		StringBuilder table = new StringBuilder();
		table.append("### Restore window with ").append(String.format(Locale.ROOT, "%,d", segments))
			.append(" segments in the store\n\n");
		table.append("| figure | window from head records | listing every segment manifest (before) | ratio |\n")
			.append("|---|---|---|---|\n");
		table.append("| time (ms) | ").append(Stats.spread(windows, 1)).append(" | ").append(Stats.spread(listings, 0))
			.append(" | ").append(Stats.ratio(Stats.median(windows), Stats.median(listings))).append(" |\n");
		table.append("| heap taken meanwhile (MiB) | ").append(Stats.spread(heaps, 1)).append(" | ")
			.append(Stats.spread(listingHeaps, 0)).append(" | – |\n");
		return table.toString();
	}

	private static long used() {
		Runtime runtime = Runtime.getRuntime();
		return runtime.totalMemory() - runtime.freeMemory();
	}

}
