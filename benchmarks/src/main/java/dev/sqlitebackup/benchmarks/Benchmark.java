package dev.sqlitebackup.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.sqlite.SQLiteConfig;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * Backup and restore benchmark: speed against {@code cp} + fsync of the same file, writer
 * latency during backups (default and write-rate capped, writer in-process and in another
 * process), the rollback-journal writer's longest wait, a large backup and restore in a
 * 64 MiB heap, what compression and encryption cost and save ({@link CodecBenchmark}), and
 * backups into and restores from S3Proxy ({@link S3Benchmark}), and continuous backup
 * ({@link ContinuousBenchmark}), and side by side with Litestream ({@link SideBySideBenchmark}, only
 * when asked for: {@code --only=sidebyside --sidebyside-off-s=30 --sidebyside-on-s=120
 * --sidebyside-back-s=60 --sidebyside-stop=kill}, or {@code graceful}). Every figure and its baseline come from the same run; the
 * tables print as Markdown. Options: {@code --size-mb=1024 --runs=3
 * --dir=... --data=mixed --throttle-mbps=128 --knee-mbps=32,64,128,256 --writer-rate=200
 * --idle-ms=4000 --only=speed,wal,rollback,knee,heap,codecs,s3,continuous --continuous-off-s=120
 * --continuous-writes-s=600 --continuous-kill-after-s=10 --quick} ({@code --data=text}
 * generates a database of text and JSON rows instead, see {@link DatabaseGenerator.Profile};
 * {@code --quick} skips the knee and the heap check). A day of continuous backup on a simulated
 * clock ({@link DayBenchmark}) runs only when asked for: {@code --only=day --day-hours=24
 * --day-tx-per-s=5 --day-stores=local,s3}.
 */
public final class Benchmark {

	private static final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

	private final long sizeBytes;

	private final int runs;

	private final Path directory;

	private final DatabaseGenerator.Profile data;

	private final long throttleBytesPerSecond;

	private final List<Long> kneeMbps;

	private final int writerRate;

	private final boolean quick;

	private final long idleMillis;

	private final List<String> parts;

	private final ContinuousBenchmark.Settings continuous;

	private final List<String> tables = new ArrayList<>();

	private final Map<String, String> options;

	private Benchmark(Map<String, String> options) {
		this.options = options;
		this.sizeBytes = Long.parseLong(options.getOrDefault("size-mb", "1024")) * 1024 * 1024;
		this.runs = Integer.parseInt(options.getOrDefault("runs", "3"));
		this.directory = Path.of(options.getOrDefault("dir", "target/bench-data")).toAbsolutePath();
		this.data = DatabaseGenerator.Profile.of(options.getOrDefault("data", "mixed"));
		this.throttleBytesPerSecond = Long.parseLong(options.getOrDefault("throttle-mbps", "128")) * 1024 * 1024;
		this.kneeMbps = options.getOrDefault("knee-mbps", "32,64,128,256").isBlank() ? List.of()
				: List.of(options.getOrDefault("knee-mbps", "32,64,128,256").split(",")).stream()
					.map(Long::parseLong).toList();
		this.writerRate = Integer.parseInt(options.getOrDefault("writer-rate", "200"));
		this.quick = options.containsKey("quick");
		this.idleMillis = Long.parseLong(options.getOrDefault("idle-ms", "4000"));
		this.parts = List.of(options.getOrDefault("only", "speed,wal,rollback,knee,heap,codecs,s3,continuous").split(","));
		this.continuous = new ContinuousBenchmark.Settings(this.writerRate,
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("continuous-off-s", "120"))),
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("continuous-writes-s", "600"))),
				Duration.ofSeconds(Long.parseLong(options.getOrDefault("continuous-kill-after-s", "10"))), this.runs);
	}

	public static void main(String[] args) throws Exception {
		// The engine's per-backup INFO lines would drown the results; -Dorg.slf4j.simpleLogger.log.dev.sqlitebackup=debug shows its phases.
		if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
			System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
		}
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			String[] parts = arg.replaceFirst("^--", "").split("=", 2);
			options.put(parts[0], (parts.length > 1) ? parts[1] : "true");
		}
		new Benchmark(options).run();
	}

	/** Runs everything and returns the printed tables. */
	static List<String> runForTest(Map<String, String> options) throws Exception {
		Benchmark benchmark = new Benchmark(options);
		benchmark.run();
		return benchmark.tables;
	}

	private void run() throws Exception {
		Files.createDirectories(this.directory);
		out.printf(Locale.ROOT, "sqlite-backup benchmark, %s, %d MiB of %s data, %d runs, %d cores, Java %s, SQLite %s, data in %s%n",
				Instant.now().truncatedTo(ChronoUnit.SECONDS), this.sizeBytes >> 20, this.data.option(), this.runs,
				Runtime.getRuntime().availableProcessors(), Runtime.version(), sqliteVersion(), this.directory);
		out.println("load average at the start (1, 5, 15 min): " + loadAverage());
		long started = System.nanoTime();
		Path generated = DatabaseGenerator.generated(this.directory, this.data, this.sizeBytes);
		out.printf(Locale.ROOT, "generated database: %s (%d MiB) in %.1f s%n", generated, Files.size(generated) >> 20,
				(System.nanoTime() - started) / 1e9);
		try {
			if (this.parts.contains("speed")) {
				speed(generated);
			}
			if (this.parts.contains("wal")) {
				writerLatency(generated, "WAL");
			}
			if (this.parts.contains("rollback")) {
				rollbackWriterWait(generated);
			}
			if (!this.quick && this.parts.contains("knee")) {
				knee(generated);
			}
			if (!this.quick && this.parts.contains("heap")) {
				heap(generated);
			}
			if (this.parts.contains("codecs")) {
				this.tables.add(CodecBenchmark.run(generated, this.data, this.directory, this.runs, out));
			}
			if (this.parts.contains("s3")) {
				this.tables.add(S3Benchmark.run(generated, this.data, this.directory, this.runs, out));
			}
			if (this.parts.contains("transaction")) {
				largeTransaction();
			}
			if (this.parts.contains("day")) {
				this.tables.add(DayBenchmark.run(generated, this.directory,
						new DayBenchmark.Settings(Double.parseDouble(this.options.getOrDefault("day-hours", "24")),
								Integer.parseInt(this.options.getOrDefault("day-tx-per-s", "5")),
								List.of(this.options.getOrDefault("day-stores", "local,s3").split(",")), this.runs),
						out));
			}
			if (this.parts.contains("listing")) {
				this.tables.add(ListingBenchmark.run(this.directory,
						Long.parseLong(this.options.getOrDefault("listing-segments", "1000000")), this.runs, out));
			}
			if (this.parts.contains("continuous")) {
				this.tables.add(ContinuousBenchmark.run(generated, this.directory, this.continuous, out));
			}
			if (this.parts.contains("sidebyside")) {
				this.tables.add(SideBySideBenchmark.run(generated, this.directory,
						new SideBySideBenchmark.Settings(this.writerRate,
								Long.parseLong(this.options.getOrDefault("sidebyside-off-s", "30")),
								Long.parseLong(this.options.getOrDefault("sidebyside-on-s", "120")),
								Long.parseLong(this.options.getOrDefault("sidebyside-back-s", "60")),
								this.options.getOrDefault("sidebyside-stop", "kill").equals("graceful")),
						out));
			}
		}
		finally {
			deleteScratch();
		}
		out.println();
		out.println("load average at the end (1, 5, 15 min): " + loadAverage());
		this.tables.forEach(out::println);
	}

	// ------------------------------------------------------------------ speed

	private void speed(Path generated) throws Exception {
		StringBuilder table = new StringBuilder();
		table.append("### Speed (seconds, median [min–max] of ").append(this.runs).append("; ratio of medians to cp + fsync)\n\n");
		table.append("| journal mode | figure | time | baseline cp + fsync | ratio |\n|---|---|---|---|---|\n");
		for (String mode : List.of("WAL", "DELETE")) {
			Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-" + mode + ".db"), mode);
			List<Double> baseline = new ArrayList<>();
			List<Double> copy = new ArrayList<>();
			List<Double> whole = new ArrayList<>();
			List<Double> restore = new ArrayList<>();
			List<Double> memoryCopy = new ArrayList<>();
			List<Double> memoryWhole = new ArrayList<>();
			for (int run = 0; run < this.runs; run++) {
				baseline.add(CopyBaseline.cpAndFsync(live, this.directory));
				BackupOptions options = BackupOptions.defaults().withSafetyBackup(false);
				try (Engine engine = new Engine(live, options, null)) {
					Timed<Backup> backup = engine.backup();
					copy.add(backup.copySeconds());
					whole.add(backup.seconds());
					restore.add(engine.restore(backup.value()));
					engine.delete(backup.value());
				}
				if (mode.equals("DELETE")) {
					try (Engine engine = new Engine(live, options.withMemoryStagingLimit(0), null)) {
						Timed<Backup> backup = engine.backup();
						memoryCopy.add(backup.copySeconds());
						memoryWhole.add(backup.seconds());
						engine.delete(backup.value());
					}
				}
				out.printf(Locale.ROOT, "speed %s run %d: cp %.2f copy %.2f backup %.2f restore %.2f%n", mode, run + 1,
						baseline.get(run), copy.get(run), whole.get(run), restore.get(run));
			}
			double base = Stats.median(baseline);
			String label = mode.equals("DELETE") ? "rollback (DELETE)" : mode;
			String direct = mode.equals("DELETE") ? " (default: via memory)" : "";
			row(table, label, "copy phase" + direct, copy, baseline);
			if (!memoryCopy.isEmpty()) {
				row(table, label, "copy phase, memory staging off (straight to disk)", memoryCopy, baseline);
			}
			row(table, label, "whole backup: copy + verify + SHA-256 + publish" + direct, whole, baseline);
			if (!memoryWhole.isEmpty()) {
				row(table, label, "whole backup, memory staging off", memoryWhole, baseline);
			}
			row(table, label, "whole restore: checks + copy into live (no safety backup)", restore, baseline);
			if (mode.equals("WAL")) {
				breakdown(table, live, base);
			}
			out.printf(Locale.ROOT, "speed %s done, cp median %.2f s%n", mode, base);
		}
		this.tables.add(table.toString());
	}

	/** Where the time of a whole backup goes besides the copy, measured one part at a time. */
	private void breakdown(StringBuilder table, Path live, double baseline) throws Exception {
		List<Double> quickCheck = new ArrayList<>();
		List<Double> sha256 = new ArrayList<>();
		for (int run = 0; run < this.runs; run++) {
			long started = System.nanoTime();
			try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + live);
					Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("PRAGMA quick_check")) {
				rows.next();
			}
			quickCheck.add((System.nanoTime() - started) / 1e9);
			started = System.nanoTime();
			java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
			byte[] buffer = new byte[1 << 20];
			try (var input = Files.newInputStream(live)) {
				int read;
				while ((read = input.read(buffer)) >= 0) {
					digest.update(buffer, 0, read);
				}
			}
			digest.digest();
			sha256.add((System.nanoTime() - started) / 1e9);
		}
		row(table, "WAL", "part: PRAGMA quick_check alone", quickCheck, List.of(baseline));
		row(table, "WAL", "part: SHA-256 alone (the engine runs it alongside quick_check)", sha256, List.of(baseline));
	}

	// ------------------------------------------------------------------ writers

	private void writerLatency(Path generated, String mode) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-" + mode + ".db"), mode);
		StringBuilder table = new StringBuilder();
		table.append("### WAL: a writer committing ").append(this.writerRate)
			.append(" small transactions/s during a backup (ms; median [min–max] of ").append(this.runs)
			.append(" runs of each per-run figure)\n\n");
		table.append("| writer | backup mode | backup time (s) | commit p50 | commit p99 | worst commit | worst lag behind schedule | idle: p50 / p99 / worst / worst lag | writer errors |\n")
			.append("|---|---|---|---|---|---|---|---|---|\n");
		for (boolean separateProcess : List.of(false, true)) {
			for (long rate : List.of(0L, this.throttleBytesPerSecond)) {
				BackupOptions options = BackupOptions.defaults().withMaxBytesPerSecond(rate);
				WriterRuns result = new WriterRuns();
				for (int run = 0; run < this.runs; run++) {
					result.add(backupUnderWriter(live, options, separateProcess));
				}
				table.append("| ").append(separateProcess ? "separate process" : "in-process, Hikari pool")
					.append(" | ").append((rate == 0) ? "default (no cap)" : "capped at " + (rate >> 20) + " MiB/s")
					.append(" | ").append(result.format()).append(" |\n");
			}
		}
		this.tables.add(table.toString());
	}

	private void rollbackWriterWait(Path generated) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-DELETE.db"), "DELETE");
		StringBuilder table = new StringBuilder();
		table.append("### Rollback journal: the writer's longest wait during a backup (writer at ").append(this.writerRate)
			.append(" commits/s; s, median [min–max] of ").append(this.runs).append(")\n\n");
		table.append("| writer | copy | backup time | writer's longest wait | ratio to single-step copy to a file |\n")
			.append("|---|---|---|---|---|\n");
		for (boolean separateProcess : List.of(false, true)) {
			WriterRuns direct = new WriterRuns();
			WriterRuns viaMemory = new WriterRuns();
			BackupOptions base = BackupOptions.defaults().withBusyTimeout(Duration.ofSeconds(20));
			for (int run = 0; run < this.runs; run++) {
				direct.add(backupUnderWriter(live, base.withMemoryStagingLimit(0).withPagesPerStep(-1), separateProcess));
				viaMemory.add(backupUnderWriter(live, base, separateProcess));
			}
			String writer = separateProcess ? "separate process" : "in-process, Hikari pool";
			double baseline = Stats.median(direct.worstSeconds());
			table.append("| ").append(writer).append(" | single step straight to the file (baseline) | ")
				.append(Stats.spread(direct.backupSeconds, 2)).append(" | ").append(Stats.spread(direct.worstSeconds(), 2))
				.append(" | 1.00× |\n");
			table.append("| ").append(writer).append(" | engine default: via memory, then to the file | ")
				.append(Stats.spread(viaMemory.backupSeconds, 2)).append(" | ")
				.append(Stats.spread(viaMemory.worstSeconds(), 2)).append(" | ")
				.append(Stats.ratio(Stats.median(viaMemory.worstSeconds()), baseline)).append(" |\n");
		}
		this.tables.add(table.toString());
	}

	private void knee(Path generated) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-WAL.db"), "WAL");
		StringBuilder table = new StringBuilder();
		table.append("### Knee of the write-rate cap (WAL, in-process writer at ").append(this.writerRate)
			.append(" commits/s, one run each; ms unless noted)\n\n");
		table.append("| cap | backup time (s) | commit p50 | commit p99 | worst commit | worst lag |\n|---|---|---|---|---|---|\n");
		List<Long> caps = new ArrayList<>(this.kneeMbps);
		caps.add(0L);
		for (long mbps : caps) {
			WriterRun run = backupUnderWriter(live, BackupOptions.defaults().withMaxBytesPerSecond(mbps << 20), false);
			table.append(String.format(Locale.ROOT, "| %s | %.2f | %.1f | %.1f | %.1f | %.1f |%n",
					(mbps == 0) ? "none" : mbps + " MiB/s", run.backupSeconds, run.during.p50, run.during.p99,
					run.during.max, run.during.maxLag));
		}
		this.tables.add(table.toString());
	}

	private WriterRun backupUnderWriter(Path live, BackupOptions options, boolean separateProcess) throws Exception {
		WriterHandle writer = separateProcess ? new ChildWriter(live, this.writerRate) : new PooledWriter(live, this.writerRate);
		try (writer; Engine engine = new Engine(live, options, writer.dataSource())) {
			// The first part of the idle time warms the writer up (JIT, a child JVM's class loading).
			Thread.sleep(this.idleMillis / 2);
			long idleFrom = ScheduledWriter.nowMicros();
			Thread.sleep(this.idleMillis / 2);
			long from = ScheduledWriter.nowMicros();
			long started = System.nanoTime();
			Backup backup = engine.template.backup("bench");
			double seconds = (System.nanoTime() - started) / 1e9;
			long to = ScheduledWriter.nowMicros();
			Thread.sleep(300);
			List<ScheduledWriter.Sample> samples = writer.stopAndCollect();
			engine.delete(backup);
			WriterRun run = new WriterRun(seconds, Window.of(samples, idleFrom, from), Window.of(samples, from, to),
					writer.errors());
			String worst = samples.stream()
				.filter((sample) -> sample.startMicros() < to && sample.endMicros() > from)
				.sorted(java.util.Comparator.comparingLong(ScheduledWriter.Sample::latencyMicros).reversed())
				.limit(3)
				.map((sample) -> String.format(Locale.ROOT, "%.0f ms at +%.2f s", sample.latencyMicros() / 1000.0,
						(sample.startMicros() - from) / 1e6))
				.toList()
				.toString();
			out.printf(Locale.ROOT, "writer %s %s cap %d: backup %.2f s, during %s, idle %s, errors %d, worst %s%n",
					separateProcess ? "process" : "pool", live.getFileName(), options.maxBytesPerSecond() >> 20,
					seconds, run.during, run.idle, run.errors, worst);
			return run;
		}
	}

	/** Writer statistics over a time window, in milliseconds. */
	record Window(int commits, double p50, double p99, double max, double maxLag) {

		static Window of(List<ScheduledWriter.Sample> samples, long fromMicros, long toMicros) {
			List<Double> latencies = new ArrayList<>();
			double maxLag = 0;
			for (ScheduledWriter.Sample sample : samples) {
				// A commit belongs to the window when it was running at any time inside it.
				if (sample.startMicros() < toMicros && sample.endMicros() > fromMicros) {
					latencies.add(sample.latencyMicros() / 1000.0);
					maxLag = Math.max(maxLag, sample.lagMicros() / 1000.0);
				}
			}
			return new Window(latencies.size(), Stats.percentile(latencies, 50), Stats.percentile(latencies, 99),
					Stats.max(latencies), maxLag);
		}

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d commits p50 %.1f p99 %.1f max %.1f lag %.1f ms", this.commits,
					this.p50, this.p99, this.max, this.maxLag);
		}

	}

	/** One backup under a writer: its duration and the writer before and during it. */
	record WriterRun(double backupSeconds, Window idle, Window during, int errors) {
	}

	/** Several runs of one writer scenario, summarised per figure. */
	static final class WriterRuns {

		final List<Double> backupSeconds = new ArrayList<>();

		final List<WriterRun> runs = new ArrayList<>();

		void add(WriterRun run) {
			this.runs.add(run);
			this.backupSeconds.add(run.backupSeconds());
		}

		List<Double> of(Function<WriterRun, Double> figure) {
			return this.runs.stream().map(figure).toList();
		}

		List<Double> worstSeconds() {
			return of((run) -> run.during().max() / 1000.0);
		}

		String format() {
			return Stats.spread(this.backupSeconds, 2) + " | " + Stats.spread(of((r) -> r.during().p50()), 1) + " | "
					+ Stats.spread(of((r) -> r.during().p99()), 1) + " | " + Stats.spread(of((r) -> r.during().max()), 1)
					+ " | " + Stats.spread(of((r) -> r.during().maxLag()), 1) + " | "
					+ String.format(Locale.ROOT, "%.1f / %.1f / %.1f / %.1f", Stats.median(of((r) -> r.idle().p50())),
							Stats.median(of((r) -> r.idle().p99())), Stats.median(of((r) -> r.idle().max())),
							Stats.median(of((r) -> r.idle().maxLag())))
					+ " | " + this.runs.stream().mapToInt(WriterRun::errors).sum();
		}

	}

	/** A running writer that can be stopped and asked for its samples. */
	interface WriterHandle extends AutoCloseable {

		DataSource dataSource();

		List<ScheduledWriter.Sample> stopAndCollect() throws Exception;

		int errors();

		@Override
		void close() throws Exception;

	}

	/** The application's own writer: a thread using a Hikari pool, which the engine is given too. */
	private static final class PooledWriter implements WriterHandle {

		private final HikariDataSource pool;

		private final ScheduledWriter writer;

		private final Thread thread;

		PooledWriter(Path live, int rate) {
			HikariConfig config = new HikariConfig();
			config.setJdbcUrl("jdbc:sqlite:" + live);
			config.setMaximumPoolSize(4);
			config.addDataSourceProperty("busy_timeout", String.valueOf(ScheduledWriter.BUSY_TIMEOUT_MILLIS));
			this.pool = new HikariDataSource(config);
			this.writer = new ScheduledWriter(this.pool, rate);
			this.thread = new Thread(this.writer, "pooled-writer");
			this.thread.start();
		}

		@Override
		public DataSource dataSource() {
			return this.pool;
		}

		@Override
		public List<ScheduledWriter.Sample> stopAndCollect() throws InterruptedException {
			this.writer.stop();
			this.thread.join();
			return this.writer.samples();
		}

		@Override
		public int errors() {
			return this.writer.errors();
		}

		@Override
		public void close() throws InterruptedException {
			this.writer.stop();
			this.thread.join();
			this.pool.close();
		}

	}

	/** A writer in another OS process: a child JVM on the same class path. */
	static final class ChildWriter implements WriterHandle {

		private final Process process;

		private final BufferedReader output;

		private final DataSource dataSource;

		private int errors;

		ChildWriter(Path live, int rate) throws IOException {
			this.process = new ProcessBuilder(javaCommand(ScheduledWriter.class, "-Xmx128m", live.toString(),
					String.valueOf(rate)))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			this.output = new BufferedReader(new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8));
			String ready = this.output.readLine();
			if (!"READY".equals(ready)) {
				throw new IllegalStateException("Writer process did not start: " + ready);
			}
			this.dataSource = ScheduledWriter.plainDataSource(live.toString());
		}

		@Override
		public DataSource dataSource() {
			return this.dataSource;
		}

		@Override
		public List<ScheduledWriter.Sample> stopAndCollect() throws Exception {
			Writer input = new OutputStreamWriter(this.process.getOutputStream(), StandardCharsets.UTF_8);
			input.write("stop\n");
			input.flush();
			List<ScheduledWriter.Sample> samples = new ArrayList<>();
			String line;
			while ((line = this.output.readLine()) != null && !line.equals("DONE")) {
				if (line.startsWith("S ")) {
					samples.add(ScheduledWriter.Sample.parse(line));
				}
				else if (line.startsWith("ERRORS ")) {
					this.errors = Integer.parseInt(line.substring(7));
				}
			}
			this.process.waitFor();
			return samples;
		}

		@Override
		public int errors() {
			return this.errors;
		}

		@Override
		public void close() {
			this.process.destroy();
		}

	}

	// ------------------------------------------------------------------ heap

	private void heap(Path generated) throws Exception {
		StringBuilder table = new StringBuilder();
		table.append("### Heap: backup and restore of the whole database in a child JVM with -Xmx64m\n\n");
		table.append("| journal mode | result | backup (s) | restore (s) |\n|---|---|---|---|\n");
		for (String mode : List.of("WAL", "DELETE")) {
			Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-" + mode + ".db"), mode);
			Process process = new ProcessBuilder(javaCommand(HeapCheck.class, "-Xmx64m", live.toString(),
					this.directory.resolve("heap-backups").toString(),
					String.valueOf(BackupOptions.DEFAULT_MEMORY_STAGING_LIMIT)))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String result = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			int exit = process.waitFor();
			String[] parts = result.split(" ");
			boolean ok = exit == 0 && parts.length == 4 && parts[0].equals("OK");
			table.append("| ").append(mode.equals("DELETE") ? "rollback (DELETE), via memory" : mode).append(" | ")
				.append(ok ? "completes (max heap " + parts[3] + " MiB)" : "FAILED (exit " + exit + ")").append(" | ")
				.append(ok ? parts[1] : "–").append(" | ").append(ok ? parts[2] : "–").append(" |\n");
			out.println("heap " + mode + ": exit " + exit + " " + result);
		}
		this.tables.add(table.toString());
	}

	// ------------------------------------------------------------------ large transaction

	/**
	 * One transaction far larger than the heap, shipped by continuous backup in a child JVM with
	 * -Xmx128m, against cp + fsync of the segment it published (the same bytes) in the same run.
	 */
	private void largeTransaction() throws Exception {
		int mebibytes = Integer.parseInt(this.options.getOrDefault("transaction-mb", "1024"));
		List<Double> ships = new ArrayList<>();
		List<Double> copies = new ArrayList<>();
		List<String> peaks = new ArrayList<>();
		for (int run = 0; run < this.runs; run++) {
			Path backups = this.directory.resolve("transaction-backups");
			deleteTree(backups);
			Process process = new ProcessBuilder(javaCommand(LargeTransactionCheck.class, "-Xmx128m",
					this.directory.resolve("transaction.db").toString(), backups.toString(), String.valueOf(mebibytes)))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			String result = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			int exit = process.waitFor();
			out.println("transaction run " + run + ": exit " + exit + " " + result);
			String[] parts = result.split(" ");
			if (exit != 0 || !parts[0].equals("OK")) {
				this.tables.add("### Large transaction\n\nFAILED (exit " + exit + "): " + result + "\n");
				return;
			}
			ships.add(Double.parseDouble(parts[2]));
			peaks.add(parts[4]);
			Path largest;
			try (var files = Files.walk(backups.resolve("big").resolve("segments"))) {
				largest = files.filter(Files::isRegularFile).max(java.util.Comparator.comparingLong((file) -> {
					try {
						return Files.size(file);
					}
					catch (IOException ex) {
						return 0L;
					}
				})).orElseThrow();
			}
			copies.add(CopyBaseline.cpAndFsync(largest, this.directory));
			deleteTree(backups);
		}
		StringBuilder table = new StringBuilder();
		table.append("### Large transaction: one ").append(mebibytes)
			.append(" MiB transaction shipped by one pass, child JVM with -Xmx128m\n\n");
		table.append("| figure | measured | baseline (cp + fsync of the segment) | ratio |\n|---|---|---|---|\n");
		table.append("| pass that ships it (s) | ").append(Stats.spread(ships, 2)).append(" | ")
			.append(Stats.spread(copies, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(ships), Stats.median(copies))).append(" |\n");
		table.append("| peak heap during the pass (MiB, of 128) | ").append(String.join(", ", peaks))
			.append(" | – | – |\n");
		this.tables.add(table.toString());
	}

	// ------------------------------------------------------------------ helpers

	private static void row(StringBuilder table, String mode, String figure, List<Double> values, List<Double> baseline) {
		table.append("| ").append(mode).append(" | ").append(figure).append(" | ").append(Stats.spread(values, 2))
			.append(" | ").append(Stats.spread(baseline, 2)).append(" | ")
			.append(Stats.ratio(Stats.median(values), Stats.median(baseline))).append(" |\n");
	}

	static List<String> javaCommand(Class<?> mainClass, String heap, String... args) {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add(heap);
		// Child logs carry the time of day, so that what a child did can be set against the writer's stalls.
		command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
		command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
		System.getProperties()
			.stringPropertyNames()
			.stream()
			.filter((name) -> name.startsWith("org.slf4j.simpleLogger.log."))
			.forEach((name) -> command.add("-D" + name + "=" + System.getProperty(name)));
		if (Runtime.version().feature() >= 22) {
			command.add("--enable-native-access=ALL-UNNAMED");
		}
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add(mainClass.getName());
		command.addAll(List.of(args));
		return command;
	}

	/** Other work on the machine, which these figures share it with (Linux only). */
	private static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
			return fields[0] + " " + fields[1] + " " + fields[2];
		}
		catch (IOException | RuntimeException ex) {
			return "unknown";
		}
	}

	private static String sqliteVersion() throws SQLException {
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite::memory:");
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT sqlite_version()")) {
			rows.next();
			return rows.getString(1);
		}
	}

	/** Deletes a directory and everything in it, if it exists. */
	static void deleteTree(Path directory) throws IOException {
		if (!Files.exists(directory)) {
			return;
		}
		try (var paths = Files.walk(directory)) {
			for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
				Files.delete(path);
			}
		}
	}

	private void deleteScratch() throws IOException {
		for (String name : List.of("live-WAL.db", "live-DELETE.db", CopyBaseline.TARGET_NAME)) {
			for (String suffix : new String[] { "", "-wal", "-shm", "-journal" }) {
				Files.deleteIfExists(this.directory.resolve(name + suffix));
			}
		}
	}

	/** A value and the seconds it took, plus when its copy phase ended. */
	record Timed<T>(T value, double seconds, double copySeconds) {
	}

	/** The engine on one live database, with a listener that notes when the copy reached 100%. */
	private final class Engine implements AutoCloseable {

		final SqliteBackupTemplate template;

		private volatile long copyDoneNanos;

		Engine(Path live, BackupOptions options, DataSource dataSource) {
			DataSource source = (dataSource != null) ? dataSource : ScheduledWriter.plainDataSource(live.toString());
			this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("bench", source)),
					new LocalDirectoryBackupStore(Benchmark.this.directory.resolve("backups")), options);
			this.template.addListener(new BackupListener() {

				@Override
				public void progress(OperationStatus status) {
					if (status.pagesDone() >= status.pagesTotal() && Engine.this.copyDoneNanos == 0) {
						Engine.this.copyDoneNanos = System.nanoTime();
					}
				}

			});
		}

		Timed<Backup> backup() {
			this.copyDoneNanos = 0;
			long started = System.nanoTime();
			Backup backup = this.template.backup("bench");
			long ended = System.nanoTime();
			return new Timed<>(backup, (ended - started) / 1e9, (this.copyDoneNanos - started) / 1e9);
		}

		double restore(Backup backup) {
			long started = System.nanoTime();
			this.template.restore("bench", backup.id(), false);
			return (System.nanoTime() - started) / 1e9;
		}

		void delete(Backup backup) {
			this.template.delete("bench", backup.id());
		}

		@Override
		public void close() {
		}

	}

}
