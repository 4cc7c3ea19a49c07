package dev.sqlitebackup.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.sqlite.SQLiteConfig;
import software.amazon.awssdk.services.s3.S3Client;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;

/**
 * The {@code sidebyside} group: this starter's continuous backup and Litestream 0.3.13 on the same
 * database and the same writer process, each into a local directory and into a bucket of S3Proxy
 * (four runs, one after the other, each on a fresh copy of the generated database). Each replicator
 * runs as a process of its own beside the writer (the starter's capture in a child JVM,
 * {@link CaptureProcess}; Litestream's {@code replicate}). Measured for each, all from outside the
 * tools:
 * <ul>
 * <li>the writer's commits with no replicator and with it (from its start, initial snapshot
 * included);</li>
 * <li>capture lag: from an event's commit to the first time its marker was seen in a file of the
 * replica ({@link ReplicaWatcher}; for a bucket, S3Proxy's files, so that watching adds no
 * request), for the events committed once the first snapshot was on the replica;</li>
 * <li>for a bucket, the requests the replicator made, by kind ({@link S3RequestCounter} between it
 * and S3Proxy): for its initial snapshot, and per hour afterwards;</li>
 * <li>what {@code kill -9} of the replicator while the writer writes loses: the events the writer
 * had acknowledged before the kill that a restore of the latest state lacks (or, with
 * {@code --sidebyside-stop=graceful}, the older measurement: the writer stops, then the replicator
 * gets SIGTERM three seconds later);</li>
 * <li>the restore of the latest state and of the state {@code --sidebyside-back-s} seconds before
 * the stop, each against {@code cp} + fsync of the same database, each checked with
 * {@code integrity_check} and for holding a gap-free prefix of the writer's events (and, for the
 * point in the past, how far before the point its last event was committed).</li>
 * </ul>
 * Litestream comes from the npm package {@code @flydotio/litestream-linux-x64}, installed into
 * {@code benchmarks/target/litestream} with npm when it is not there; without npm its columns say so.
 */
final class SideBySideBenchmark {

	private static final String LITESTREAM_PACKAGE = "@flydotio/litestream-linux-x64@1.0.1";

	/** Events acknowledged this close to the stop may still be on their way: capture lag leaves them out. */
	private static final long LAG_MARGIN_MICROS = 5_000_000;

	private static final String DIRECTORY = "dir";

	private static final String BUCKET = "S3";

	private final Path directory;

	private final Settings settings;

	private final PrintStream out;

	private SideBySideBenchmark(Path directory, Settings settings, PrintStream out) {
		this.directory = directory;
		this.settings = settings;
		this.out = out;
	}

	/**
	 * How the group runs.
	 *
	 * @param writerRate commits per second of the writer process
	 * @param offSeconds how long the writer runs before the replicator starts
	 * @param onSeconds how long the replicator runs beside the writer, from its start to the stop
	 * @param backSeconds how far before the stop the restore of a point in the past aims
	 * @param graceful whether the stop is the writer's, then SIGTERM of the replicator, rather than
	 * {@code kill -9} of the replicator while the writer writes
	 */
	record Settings(int writerRate, long offSeconds, long onSeconds, long backSeconds, boolean graceful) {
	}

	/** Runs the group and returns its table. */
	static String run(Path generated, Path directory, Settings settings, PrintStream out) throws Exception {
		SideBySideBenchmark benchmark = new SideBySideBenchmark(directory, settings, out);
		double baseline = CopyBaseline.cpAndFsync(generated, directory);
		Path binary = litestreamBinary(directory, out);
		List<Replicator> replicators = new ArrayList<>();
		replicators.add(new Ours());
		if (binary != null) {
			replicators.add(new Litestream(binary));
		}
		Map<String, Column> columns = new LinkedHashMap<>();
		for (Replicator replicator : replicators) {
			Path replica = directory.resolve("sidebyside-" + replicator.name() + "-replica");
			columns.put(key(replicator, DIRECTORY),
					benchmark.measureOrReport(generated, replicator, Replica.directory(replica)));
			Benchmark.deleteTree(replica);
		}
		Path serverDirectory = directory.resolve("sidebyside-s3proxy");
		try (S3ProxyProcess server = S3ProxyProcess.start(serverDirectory); S3Client client = server.client()) {
			for (Replicator replicator : replicators) {
				client.createBucket((request) -> request.bucket(replicator.name()));
				Replica bucket = Replica.bucket(server, replicator.name());
				columns.put(key(replicator, BUCKET), benchmark.measureOrReport(generated, replicator, bucket));
				Benchmark.deleteTree(bucket.files());
			}
		}
		catch (IOException | RuntimeException ex) {
			out.println("sidebyside: S3Proxy could not be started; the S3 columns are skipped: " + ex);
			for (Replicator replicator : replicators) {
				columns.putIfAbsent(key(replicator, BUCKET), Column.notRun("not run (S3Proxy did not start)"));
			}
		}
		finally {
			Benchmark.deleteTree(serverDirectory);
		}
		return benchmark.table(columns, baseline, generated, binary != null);
	}

	private static String key(Replicator replicator, String kind) {
		return replicator.name() + " " + kind;
	}

	/** One run; a run that fails says so in its column rather than ending the group. */
	private Column measureOrReport(Path generated, Replicator replicator, Replica replica) {
		try {
			return Column.of(measure(generated, replicator, replica));
		}
		catch (Exception ex) {
			this.out.println("sidebyside " + replicator.name() + " " + replica.kind() + " FAILED:");
			ex.printStackTrace(this.out);
			return Column.notRun("FAILED (" + ex.getClass().getSimpleName() + ", see the log)");
		}
	}

	private Result measure(Path generated, Replicator replicator, Replica replica) throws Exception {
		String run = replicator.name() + "-" + replica.kind().toLowerCase(Locale.ROOT);
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("sidebyside-" + run + ".db"), "WAL");
		Benchmark.deleteTree(replica.files());
		Files.createDirectories(replica.files());
		long eventsBefore = maxEvent(live);
		S3RequestCounter counter = replica.isBucket() ? S3RequestCounter.start(replica.server()) : null;
		ReplicaWatcher watcher = ReplicaWatcher.start(replica.files());
		List<ScheduledWriter.Sample> samples;
		long offFrom;
		long offTo;
		long startMicros;
		long stopMicros;
		int errors;
		try (Benchmark.ChildWriter writer = new Benchmark.ChildWriter(live, this.settings.writerRate())) {
			// Warms the writer up (a child JVM's class loading and JIT) before anything is counted.
			Thread.sleep(1000);
			offFrom = ScheduledWriter.nowMicros();
			Thread.sleep(TimeUnit.SECONDS.toMillis(this.settings.offSeconds()));
			offTo = ScheduledWriter.nowMicros();
			startMicros = ScheduledWriter.nowMicros();
			Process process = replicator.start(live,
					(counter != null) ? replica.through(counter.endpoint()) : replica, this.directory);
			try {
				sleepUntil(startMicros + TimeUnit.SECONDS.toMicros(this.settings.onSeconds()));
				if (this.settings.graceful()) {
					samples = writer.stopAndCollect();
					stopMicros = ScheduledWriter.nowMicros();
					// Both tools ship within a second; three give the last commits time to go up.
					Thread.sleep(3000);
					process.destroy();
					if (!process.waitFor(30, TimeUnit.SECONDS)) {
						process.destroyForcibly();
					}
				}
				else {
					stopMicros = ScheduledWriter.nowMicros();
					process.destroyForcibly(); // SIGKILL
					process.waitFor();
					// The writer goes on writing for a moment, as an application would.
					Thread.sleep(500);
					samples = writer.stopAndCollect();
				}
				errors = writer.errors();
			}
			finally {
				if (process.isAlive()) {
					process.destroyForcibly();
				}
			}
		}
		finally {
			watcher.close();
			if (counter != null) {
				counter.close();
			}
		}
		List<S3RequestCounter.Request> requests = (counter != null) ? counter.requests() : List.of();
		long[] written = ReplicaWatcher.filesAndBytes(replica.files());
		long pointMicros = stopMicros - TimeUnit.SECONDS.toMicros(this.settings.backSeconds());
		Restore latest = restore(replicator, live, replica, null, run + "-latest", eventsBefore);
		Restore back = restore(replicator, live, replica, instant(pointMicros), run + "-back", eventsBefore);
		long snapshotMicros = watcher.snapshotMicros();
		long steadyFrom = (snapshotMicros != 0) ? snapshotMicros : startMicros;
		Lag lag = Lag.of(samples, watcher, steadyFrom, stopMicros - LAG_MARGIN_MICROS, stopMicros);
		Result result = new Result(Benchmark.Window.of(samples, offFrom, offTo),
				Benchmark.Window.of(samples, startMicros, stopMicros), errors, samples, startMicros, stopMicros,
				pointMicros, snapshotMicros, lag, replica.isBucket(), requests, written[0], written[1], latest, back);
		this.out.printf(Locale.ROOT, "sidebyside %s: off %s; on %s; writer errors %d; snapshot on the replica after %s; "
				+ "lag %s; watcher %s; replica %d files %d bytes; requests initial %s, then %s in %.0f s; latest %s; "
				+ "%d s back %s%n", run, result.off(), result.on(), errors,
				(snapshotMicros != 0) ? String.format(Locale.ROOT, "%.1f s", (snapshotMicros - startMicros) / 1e6)
						: "NEVER SEEN",
				lag, watcher, written[0], written[1], result.initialRequests(), result.steadyRequests(),
				result.steadySeconds(), latest, this.settings.backSeconds(), back);
		this.out.printf(Locale.ROOT, "sidebyside %s: slowest commits while replicating: %s%n", run,
				slowest(samples, startMicros, stopMicros, 5));
		for (String suffix : new String[] { "", "-wal", "-shm" }) {
			Files.deleteIfExists(live.resolveSibling(live.getFileName() + suffix));
		}
		// Litestream's shadow WAL beside the database, and the staging of the starter's S3 store.
		Benchmark.deleteTree(live.resolveSibling("." + live.getFileName() + "-litestream"));
		Benchmark.deleteTree(live.resolveSibling(live.getFileName() + "-s3-staging"));
		return result;
	}

	/**
	 * The slowest commits between two instants, each with when it started after the first, so that
	 * a stall can be set against the replicator's log (its snapshot, its checkpoints).
	 */
	static String slowest(List<ScheduledWriter.Sample> samples, long fromMicros, long toMicros, int count) {
		return samples.stream()
			.filter((sample) -> sample.startMicros() >= fromMicros && sample.startMicros() < toMicros)
			.sorted(java.util.Comparator.comparingLong(ScheduledWriter.Sample::latencyMicros).reversed())
			.limit(count)
			.map((sample) -> String.format(Locale.ROOT, "%.1f ms at +%.2f s (%s)", sample.latencyMicros() / 1e3,
					(sample.startMicros() - fromMicros) / 1e6,
					java.time.LocalTime.ofInstant(instant(sample.startMicros()), java.time.ZoneId.systemDefault())))
			.collect(java.util.stream.Collectors.joining(", "));
	}

	private static void sleepUntil(long wallMicros) throws InterruptedException {
		long wait = wallMicros - ScheduledWriter.nowMicros();
		if (wait > 0) {
			Thread.sleep(wait / 1000);
		}
	}

	private static Instant instant(long micros) {
		return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
	}

	/** A restore into a new file, timed, checked and deleted; a failure is reported, not thrown. */
	private Restore restore(Replicator replicator, Path live, Replica replica, Instant point, String name,
			long eventsBefore) throws Exception {
		Path target = this.directory.resolve("sidebyside-" + name + "-restored.db");
		Files.deleteIfExists(target);
		try {
			long started = System.nanoTime();
			try {
				replicator.restore(live, replica, point, target, this.directory);
			}
			catch (Exception ex) {
				this.out.println("sidebyside " + name + ": restore failed: " + ex);
				return new Restore(Double.NaN, ex.getClass().getSimpleName() + ": " + ex.getMessage(), null);
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			return new Restore(seconds, null, Check.of(target, eventsBefore));
		}
		finally {
			// Litestream restores into <target>.tmp and renames it, leaving that name's -wal and -shm behind.
			for (String suffix : new String[] { "", "-wal", "-shm", "-journal", ".tmp", ".tmp-wal", ".tmp-shm" }) {
				Files.deleteIfExists(target.resolveSibling(target.getFileName() + suffix));
			}
		}
	}

	private static long maxEvent(Path database) throws SQLException {
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT coalesce(max(id), 0) FROM event_log")) {
			rows.next();
			return rows.getLong(1);
		}
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
			out.println("sidebyside: npm is not available (" + ex.getMessage() + "); the Litestream columns are skipped");
			return null;
		}
		String output = new String(pack.getInputStream().readAllBytes());
		if (pack.waitFor() != 0) {
			out.println("sidebyside: npm pack failed; the Litestream columns are skipped: " + output);
			return null;
		}
		try (Stream<Path> files = Files.list(home)) {
			Path tarball = files.filter((file) -> file.getFileName().toString().endsWith(".tgz")).findFirst().orElseThrow();
			Process untar = new ProcessBuilder("tar", "xzf", tarball.toString()).directory(home.toFile()).inheritIO().start();
			if (untar.waitFor() != 0) {
				out.println("sidebyside: could not unpack " + tarball + "; the Litestream columns are skipped");
				return null;
			}
		}
		return Files.isExecutable(binary) ? binary : null;
	}

	// ------------------------------------------------------------------ the table

	private String table(Map<String, Column> columns, double baseline, Path generated, boolean litestream)
			throws IOException {
		List<Column> ordered = new ArrayList<>();
		String missing = litestream ? "not run" : "not run (npm missing)";
		for (String key : List.of("sqlite-backup " + DIRECTORY, "litestream " + DIRECTORY, "sqlite-backup " + BUCKET,
				"litestream " + BUCKET)) {
			ordered.add(columns.getOrDefault(key, Column.notRun(missing)));
		}
		Settings settings = this.settings;
		String stop = settings.graceful() ? "the writer stops, the replicator gets SIGTERM 3 s later"
				: "`kill -9` of the replicator while the writer writes";
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT, "### Side by side with Litestream 0.3.13 (%d MiB WAL database; writer "
				+ "at %d tx/s, %d s with no replicator, then %d s with it; stop: %s; one run each)%n%n",
				Files.size(generated) >> 20, settings.writerRate(), settings.offSeconds(), settings.onSeconds(), stop));
		table.append("| figure | sqlite-backup, directory | Litestream, directory | sqlite-backup, S3Proxy | "
				+ "Litestream, S3Proxy |\n|---|---|---|---|---|\n");
		row(table, "writer commit p50 / p99 / max, no replicator (ms)", ordered,
				(result) -> window(result.off()));
		row(table, "writer commit p50 / p99 / max, replicating, from its start (ms)", ordered,
				(result) -> window(result.on()));
		row(table, "first snapshot on the replica, after the replicator's start (s)", ordered,
				(result) -> (result.snapshotMicros() == 0) ? "never seen"
						: String.format(Locale.ROOT, "%.1f", (result.snapshotMicros() - result.startMicros()) / 1e6));
		row(table, "capture lag p50 / p99 / max (ms; commit to first sighting in a replica file)", ordered,
				(result) -> result.lag().format());
		row(table, "S3 requests per hour while replicating, PUT / GET / LIST / HEAD / DELETE / other (extrapolated)",
				ordered, (result) -> result.bucket() ? perHour(result.steadyRequests(), result.steadySeconds()) : "–");
		row(table, "S3 requests for the initial snapshot, PUT / GET / LIST / HEAD / DELETE / other", ordered,
				(result) -> result.bucket() ? counts(result.initialRequests()) : "–");
		row(table, "replica files (objects) after the run", ordered, (result) -> Long.toString(result.files()));
		row(table, "replica files (objects) per hour of writes (extrapolated)", ordered,
				(result) -> String.format(Locale.ROOT, "%.0f", result.files() * 3600.0 / settings.onSeconds()));
		row(table, "replica MiB after the run", ordered,
				(result) -> String.format(Locale.ROOT, "%.1f", result.bytes() / 1048576.0));
		String stopped = settings.graceful() ? "the stop" : "the kill";
		row(table, "restore of the latest state (s)", ordered,
				(result) -> result.latest().time(baseline));
		row(table, "latest restore: integrity_check; events restored / acknowledged before " + stopped, ordered,
				(result) -> result.latest().failed() ? "–"
						: result.latest().check().integrity() + "; " + result.latest().check().events() + " / "
								+ (result.lastAcknowledged() + 1)
								+ (result.latest().check().gapFree() ? " (gap-free prefix)" : " (HOLES)"));
		row(table, "lost at " + stopped + ": events acknowledged before it and not restored (ms of writes)", ordered,
				(result) -> result.latest().failed() ? "–" : result.lost());
		row(table, "restore of the state " + settings.backSeconds() + " s before " + stopped + " (s)", ordered,
				(result) -> result.back().time(baseline));
		row(table, "that restore: integrity_check; gap-free prefix; its last event committed … ms before the point",
				ordered, (result) -> result.back().failed() ? "–"
						: result.back().check().integrity() + "; "
								+ (result.back().check().gapFree() ? "gap-free" : "HOLES") + "; "
								+ result.distanceBeforePoint());
		return table.toString();
	}

	private static void row(StringBuilder table, String figure, List<Column> columns, Function<Result, String> value) {
		table.append("| ").append(figure);
		for (Column column : columns) {
			table.append(" | ").append((column.result() != null) ? value.apply(column.result()) : column.reason());
		}
		table.append(" |\n");
	}

	private static String window(Benchmark.Window window) {
		return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", window.p50(), window.p99(), window.max());
	}

	private static String counts(Map<S3RequestCounter.Kind, Long> counts) {
		return counts.values().stream().map(String::valueOf).collect(Collectors.joining(" / "));
	}

	private static String perHour(Map<S3RequestCounter.Kind, Long> counts, double seconds) {
		return counts.values()
			.stream()
			.map((count) -> String.format(Locale.ROOT, "%.0f", count * 3600.0 / seconds))
			.collect(Collectors.joining(" / "));
	}

	// ------------------------------------------------------------------ results

	/** A column of the table: a run's result, or why there is none. */
	private record Column(Result result, String reason) {

		static Column of(Result result) {
			return new Column(result, null);
		}

		static Column notRun(String reason) {
			return new Column(null, reason);
		}

	}

	/** What one replicator did into one kind of replica. */
	private record Result(Benchmark.Window off, Benchmark.Window on, int writerErrors,
			List<ScheduledWriter.Sample> samples, long startMicros, long stopMicros, long pointMicros,
			long snapshotMicros, Lag lag, boolean bucket, List<S3RequestCounter.Request> requests, long files,
			long bytes, Restore latest, Restore back) {

		private long steadyFrom() {
			return (this.snapshotMicros != 0) ? this.snapshotMicros : this.startMicros;
		}

		Map<S3RequestCounter.Kind, Long> initialRequests() {
			return S3RequestCounter.count(this.requests, Long.MIN_VALUE, steadyFrom());
		}

		Map<S3RequestCounter.Kind, Long> steadyRequests() {
			return S3RequestCounter.count(this.requests, steadyFrom(), this.stopMicros);
		}

		double steadySeconds() {
			return (this.stopMicros - steadyFrom()) / 1e6;
		}

		/** Index of the writer's last event acknowledged before the stop, -1 for none. */
		int lastAcknowledged() {
			int last = -1;
			for (int index = 0; index < this.samples.size(); index++) {
				if (this.samples.get(index).endMicros() <= this.stopMicros) {
					last = index;
				}
			}
			return last;
		}

		/** Events acknowledged before the stop that the latest restore lacks, and the span of writes they cover. */
		String lost() {
			BitSet restored = this.latest.check().markers();
			int last = lastAcknowledged();
			int lost = 0;
			for (int index = 0; index <= last; index++) {
				if (!restored.get(index)) {
					lost++;
				}
			}
			if (lost == 0) {
				return "0 (0 ms)";
			}
			int lastRestored = restored.previousSetBit(last);
			long from = (lastRestored >= 0) ? this.samples.get(lastRestored).endMicros()
					: this.samples.get(0).startMicros();
			return String.format(Locale.ROOT, "%d (%.0f ms)", lost, (this.samples.get(last).endMicros() - from) / 1000.0);
		}

		/** How long before the point asked for the restore's last event was committed; negative when after it. */
		String distanceBeforePoint() {
			int highest = this.back.check().highestMarker();
			if (highest < 0 || highest >= this.samples.size()) {
				return "no event of the writer";
			}
			return String.format(Locale.ROOT, "%.0f", (this.pointMicros - this.samples.get(highest).endMicros()) / 1000.0);
		}

	}

	/** A restore: how long it took, or why it failed, and what the restored database holds. */
	private record Restore(double seconds, String failure, Check check) {

		boolean failed() {
			return this.failure != null;
		}

		String time(double baseline) {
			return failed() ? "FAILED: " + this.failure
					: String.format(Locale.ROOT, "%.2f (%s cp + fsync %.2f s)", this.seconds,
							Stats.ratio(this.seconds, baseline), baseline);
		}

		@Override
		public String toString() {
			return failed() ? "FAILED " + this.failure
					: String.format(Locale.ROOT, "%.2f s, %s", this.seconds, this.check);
		}

	}

	/** What a restored database holds: whether it is sound, and which of the writer's events. */
	private record Check(String integrity, long rows, long rowSpan, BitSet markers) {

		static Check of(Path restored, long eventsBefore) throws SQLException {
			try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + restored);
					Statement statement = connection.createStatement()) {
				String integrity;
				try (ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
					rows.next();
					integrity = rows.getString(1);
				}
				long count;
				long highest;
				try (ResultSet rows = statement
					.executeQuery("SELECT count(*), coalesce(max(id), 0) FROM event_log WHERE id > " + eventsBefore)) {
					rows.next();
					count = rows.getLong(1);
					highest = Math.max(rows.getLong(2), eventsBefore);
				}
				BitSet markers = new BitSet();
				try (ResultSet rows = statement
					.executeQuery("SELECT substr(payload, 1, " + ScheduledWriter.MARKER_LENGTH
							+ ") FROM event_log WHERE id > " + eventsBefore)) {
					while (rows.next()) {
						String marker = rows.getString(1);
						if (marker.startsWith("ev#") && marker.endsWith("#")) {
							markers.set(Integer.parseInt(marker.substring(3, ScheduledWriter.MARKER_LENGTH - 1)));
						}
					}
				}
				return new Check(integrity, count, highest - eventsBefore, markers);
			}
		}

		int events() {
			return this.markers.cardinality();
		}

		int highestMarker() {
			return this.markers.length() - 1;
		}

		/** Rows without a hole since the writer started, and its events a prefix of what it wrote. */
		boolean gapFree() {
			return this.rows == this.rowSpan && events() == highestMarker() + 1;
		}

		@Override
		public String toString() {
			return "integrity " + this.integrity + ", events 0.." + highestMarker() + " (" + events() + ")"
					+ (gapFree() ? " gap-free" : " WITH HOLES");
		}

	}

	/**
	 * Capture lag of the events committed in a window: from the end of the commit to the first time
	 * the watcher saw the event's marker in the replica (0 when it was seen before the commit call
	 * returned); one never seen counts with its time until the stop, a lower bound.
	 */
	private record Lag(List<Double> millis, int unseen) {

		static Lag of(List<ScheduledWriter.Sample> samples, ReplicaWatcher watcher, long fromMicros, long toMicros,
				long stopMicros) {
			List<Double> millis = new ArrayList<>();
			int unseen = 0;
			for (int index = 0; index < samples.size(); index++) {
				long committed = samples.get(index).endMicros();
				if (committed < fromMicros || committed >= toMicros) {
					continue;
				}
				long seen = watcher.firstSeenMicros(index);
				if (seen == 0) {
					unseen++;
					millis.add((stopMicros - committed) / 1000.0);
				}
				else {
					millis.add(Math.max(0, seen - committed) / 1000.0);
				}
			}
			return new Lag(millis, unseen);
		}

		String format() {
			if (this.millis.isEmpty()) {
				return "no events";
			}
			return String.format(Locale.ROOT, "%.0f / %.0f / %.0f (%d events%s)", Stats.percentile(this.millis, 50),
					Stats.percentile(this.millis, 99), Stats.max(this.millis), this.millis.size(),
					(this.unseen > 0) ? ", " + this.unseen + " NEVER SEEN" : "");
		}

		@Override
		public String toString() {
			return format();
		}

	}

	// ------------------------------------------------------------------ replicas and replicators

	/**
	 * Where a replicator writes: a directory, or a bucket of S3Proxy. {@code files} is where the
	 * watcher looks (the directory, or the bucket's folder on S3Proxy's disk); {@code endpoint} is
	 * what the replicator is given (the counting forwarder's, while it replicates), {@code server}
	 * S3Proxy itself, which restores read from directly.
	 */
	private record Replica(String kind, Path files, String bucket, URI endpoint, URI server) {

		static Replica directory(Path directory) {
			return new Replica(DIRECTORY, directory, null, null, null);
		}

		static Replica bucket(S3ProxyProcess server, String bucket) {
			return new Replica(BUCKET, server.bucketDirectory(bucket), bucket, server.endpoint(), server.endpoint());
		}

		boolean isBucket() {
			return this.bucket != null;
		}

		Replica through(URI forwarder) {
			return new Replica(this.kind, this.files, this.bucket, forwarder, this.server);
		}

	}

	/** A replicator run beside the writer, and its restore. */
	private interface Replicator {

		String name();

		Process start(Path live, Replica replica, Path scratch) throws Exception;

		/** Restores the latest state, or ({@code point} not {@code null}) the state at that instant, into a new file. */
		void restore(Path live, Replica replica, Instant point, Path target, Path scratch) throws Exception;

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
		public Process start(Path live, Replica replica, Path scratch) throws Exception {
			String store = replica.isBucket() ? replica.endpoint() + "/" + replica.bucket() : replica.files().toString();
			Process process = new ProcessBuilder(Benchmark.javaCommand(CaptureProcess.class, "-Xmx256m", live.toString(),
					store, "1000", "zstd"))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String ready = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
				.readLine();
			if (!"READY".equals(ready)) {
				process.destroyForcibly();
				throw new IllegalStateException("capture process did not start: " + ready);
			}
			return process;
		}

		@Override
		public void restore(Path live, Replica replica, Instant point, Path target, Path scratch) throws Exception {
			if (!replica.isBucket()) {
				restore(live, new LocalDirectoryBackupStore(replica.files()), point, target);
				return;
			}
			Path staging = Files.createDirectories(scratch.resolve("sidebyside-restore-staging"));
			try (S3Client client = S3ProxyProcess.client(replica.server())) {
				restore(live, new S3BackupStore(client, replica.bucket(), "", staging, S3BackupStore.DEFAULT_PART_SIZE),
						point, target);
			}
			finally {
				Benchmark.deleteTree(staging);
			}
		}

		/**
		 * A template of its own, which never captures: a restore by a template that captures would
		 * ship the live WAL first, and so read more than the replica holds.
		 */
		private static void restore(Path live, BackupStore store, Instant point, Path target) {
			SqliteBackupTemplate template = new SqliteBackupTemplate(
					List.of(SqliteDatabase.of(ContinuousBenchmark.DATABASE, ScheduledWriter.plainDataSource(live.toString()))),
					store, CaptureProcess.options(new String[] { "", "", "", "zstd" }));
			template.restoreToFile(ContinuousBenchmark.DATABASE, point, target);
		}

	}

	/** Litestream's {@code replicate}, one-second sync (its default), into a directory or a bucket. */
	private record Litestream(Path binary) implements Replicator {

		@Override
		public String name() {
			return "litestream";
		}

		@Override
		public Process start(Path live, Replica replica, Path scratch) throws Exception {
			Path config = config(live, replica, scratch);
			Process process = new ProcessBuilder(this.binary.toString(), "replicate", "-config", config.toString())
				.redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(scratch.resolve("litestream.log").toFile()))
				.start();
			// It takes its first snapshot right away; the writer keeps writing meanwhile, as for ours.
			Thread.sleep(1000);
			if (!process.isAlive()) {
				throw new IllegalStateException("litestream replicate exited with " + process.exitValue() + "; see "
						+ scratch.resolve("litestream.log"));
			}
			return process;
		}

		@Override
		public void restore(Path live, Replica replica, Instant point, Path target, Path scratch) throws Exception {
			Path config = config(live, replica, scratch);
			List<String> command = new ArrayList<>(List.of(this.binary.toString(), "restore", "-config",
					config.toString(), "-o", target.toString()));
			if (point != null) {
				// RFC 3339; Go parses the fraction of a second too.
				command.addAll(List.of("-timestamp", point.toString()));
			}
			command.add(live.toString());
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.appendTo(scratch.resolve("litestream.log").toFile()))
				.start();
			if (process.waitFor() != 0) {
				throw new IllegalStateException("litestream restore failed; see " + scratch.resolve("litestream.log"));
			}
		}

		/** Its configuration: a file replica, or an S3 replica path-style at the replica's endpoint. */
		private static Path config(Path live, Replica replica, Path scratch) throws IOException {
			List<String> lines = new ArrayList<>(List.of("dbs:", "  - path: " + live, "    replicas:"));
			if (replica.isBucket()) {
				lines.addAll(List.of("      - type: s3", "        bucket: " + replica.bucket(), "        path: db",
						"        endpoint: " + replica.endpoint(), "        region: us-east-1",
						"        force-path-style: true", "        access-key-id: " + S3ProxyProcess.ACCESS_KEY,
						"        secret-access-key: " + S3ProxyProcess.SECRET_KEY));
			}
			else {
				lines.addAll(List.of("      - type: file", "        path: " + replica.files()));
			}
			lines.add("        sync-interval: 1s");
			lines.add("");
			Path config = scratch.resolve("litestream.yml");
			Files.writeString(config, String.join("\n", lines));
			return config;
		}

	}

}
