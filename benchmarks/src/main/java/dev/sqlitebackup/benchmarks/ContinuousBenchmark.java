package dev.sqlitebackup.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.sqlite.SQLiteConfig;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * The {@code continuous} group: continuous backup of a WAL database while a writer process
 * commits at a fixed rate. It measures how long after its acknowledgement a transaction is in the
 * store (capture lag), the writer's commits with capture off and on in the same run, what a
 * {@code kill -9} of the capturing process loses (the capture runs in a child JVM for that), and
 * a restore to the latest captured state after the writes against a plain restore of a backup of
 * the same database, both next to {@code cp} + fsync measured in the same run.
 */
final class ContinuousBenchmark {

	static final String DATABASE = "bench";

	/** The starter's default {@code sync-interval}. */
	static final Duration SYNC_INTERVAL = Duration.ofSeconds(1);

	private final Path directory;

	private final Settings settings;

	private final PrintStream out;

	private ContinuousBenchmark(Path directory, Settings settings, PrintStream out) {
		this.directory = directory;
		this.settings = settings;
		this.out = out;
	}

	/**
	 * How long each part runs.
	 *
	 * @param writerRate commits per second of the writer process
	 * @param off how long the writer runs with capture off
	 * @param writes how long it runs with capture on, before the restore to the latest state
	 * @param killAfter how long the capturing child JVM runs (plus up to one sync interval) before {@code kill -9}
	 * @param runs how many restores of each kind, and how many kills
	 */
	record Settings(int writerRate, Duration off, Duration writes, Duration killAfter, int runs) {
	}

	/** Runs the group and returns its table. */
	static String run(Path generated, Path directory, Settings settings, PrintStream out) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, directory.resolve("live-WAL.db"), "WAL");
		Path store = directory.resolve("continuous-backups");
		Path killedStore = directory.resolve("continuous-killed");
		try {
			return new ContinuousBenchmark(directory, settings, out).measure(live, store, killedStore);
		}
		finally {
			Benchmark.deleteTree(store);
			Benchmark.deleteTree(killedStore);
		}
	}

	private String measure(Path live, Path store, Path killedStore) throws Exception {
		Benchmark.deleteTree(store);
		SqliteBackupTemplate template = template(live, store);
		Capturing capturing = captureUnderWriter(template, live);
		Restores restores = restores(template, live, store, capturing);
		List<Kill> kills = new ArrayList<>();
		for (int run = 0; run < this.settings.runs(); run++) {
			Benchmark.deleteTree(killedStore);
			kills.add(killCapturingProcess(live, killedStore));
		}
		return table(capturing, restores, kills);
	}

	// ------------------------------------------------------------------ lag and writer latency

	/** One capture pass on the wall clock, as {@link ScheduledWriter} notes its commits. */
	record Pass(long startMicros, long endMicros, int frames, boolean checkpointed, boolean failed) {
	}

	/** The writer with capture off, then on, and the passes that ran meanwhile. */
	record Capturing(Benchmark.Window off, Benchmark.Window on, List<Double> lagSeconds, int unshipped,
			double chainStartSeconds, List<Pass> passes, int writerErrors, long onFromMicros, long onToMicros) {

		/** The middle of the writes with capture on, which a restore to a point halfway aims at. */
		Instant middle() {
			long micros = this.onFromMicros + (this.onToMicros - this.onFromMicros) / 2;
			return Instant.ofEpochSecond(micros / 1_000_000, (micros % 1_000_000) * 1000);
		}

	}

	private Capturing captureUnderWriter(SqliteBackupTemplate template, Path live) throws Exception {
		List<Pass> passes = new ArrayList<>();
		long offFrom;
		long offTo;
		long onFrom;
		long onTo;
		double chainStart;
		List<ScheduledWriter.Sample> samples;
		int errors;
		try (Benchmark.ChildWriter writer = new Benchmark.ChildWriter(live, this.settings.writerRate())) {
			// Warms the writer up (a child JVM's class loading and JIT) before anything is counted.
			Thread.sleep(1000);
			offFrom = ScheduledWriter.nowMicros();
			Thread.sleep(this.settings.off().toMillis());
			offTo = ScheduledWriter.nowMicros();
			long started = System.nanoTime();
			CaptureResult first = template.capture(DATABASE);
			chainStart = (System.nanoTime() - started) / 1e9;
			this.out.printf(Locale.ROOT, "continuous: chain %s started in %.2f s (%s)%n", first.chainId(), chainStart,
					first.newChainReason());
			onFrom = ScheduledWriter.nowMicros();
			ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
			long interval = SYNC_INTERVAL.toMillis();
			scheduler.scheduleWithFixedDelay(() -> timedPass(passes, () -> template.capture(DATABASE)), interval,
					interval, TimeUnit.MILLISECONDS);
			Thread.sleep(this.settings.writes().toMillis());
			scheduler.shutdown();
			scheduler.awaitTermination(1, TimeUnit.MINUTES);
			onTo = ScheduledWriter.nowMicros();
			// The starter's graceful stop: one last pass ships what was committed until now.
			timedPass(passes, () -> {
				template.stopCapture(DATABASE);
				return null;
			});
			samples = writer.stopAndCollect();
			errors = writer.errors();
		}
		Lag lag = Lag.of(samples, passes, onFrom, onTo);
		Capturing result = new Capturing(Benchmark.Window.of(samples, offFrom, offTo),
				Benchmark.Window.of(samples, onFrom, onTo), lag.seconds, lag.unshipped, chainStart, passes, errors,
				onFrom, onTo);
		this.out.printf(Locale.ROOT, "continuous: capture off %s; on %s; lag p50 %.3f p99 %.3f max %.3f s; %d passes%n",
				result.off(), result.on(), Stats.percentile(lag.seconds, 50), Stats.percentile(lag.seconds, 99),
				Stats.max(lag.seconds), passes.size());
		return result;
	}

	private void timedPass(List<Pass> passes, java.util.function.Supplier<CaptureResult> pass) {
		long started = ScheduledWriter.nowMicros();
		try {
			CaptureResult result = pass.get();
			long ended = ScheduledWriter.nowMicros();
			synchronized (passes) {
				passes.add((result != null)
						? new Pass(started, ended, result.frames(), result.checkpointed(), false)
						: new Pass(started, ended, 0, false, false));
			}
		}
		catch (RuntimeException ex) {
			this.out.println("continuous: a capture pass failed: " + ex.getMessage());
			synchronized (passes) {
				passes.add(new Pass(started, ScheduledWriter.nowMicros(), 0, false, true));
			}
		}
	}

	/**
	 * Capture lag of every commit acknowledged in a window: from its acknowledgement to the end of
	 * the first successful pass that started after it. That pass read a WAL the commit was in, so it
	 * shipped it; an earlier pass may have caught it too, so this is an upper bound.
	 */
	record Lag(List<Double> seconds, int unshipped) {

		static Lag of(List<ScheduledWriter.Sample> samples, List<Pass> passes, long fromMicros, long toMicros) {
			List<Pass> shipped = passes.stream()
				.filter((pass) -> !pass.failed())
				.sorted(Comparator.comparingLong(Pass::startMicros))
				.toList();
			List<Double> seconds = new ArrayList<>();
			int unshipped = 0;
			int next = 0;
			List<ScheduledWriter.Sample> acknowledged = samples.stream()
				.filter((sample) -> sample.endMicros() >= fromMicros && sample.endMicros() < toMicros)
				.sorted(Comparator.comparingLong(ScheduledWriter.Sample::endMicros))
				.toList();
			for (ScheduledWriter.Sample sample : acknowledged) {
				while (next < shipped.size() && shipped.get(next).startMicros() < sample.endMicros()) {
					next++;
				}
				if (next == shipped.size()) {
					unshipped++;
				}
				else {
					seconds.add((shipped.get(next).endMicros() - sample.endMicros()) / 1e6);
				}
			}
			return new Lag(seconds, unshipped);
		}

	}

	// ------------------------------------------------------------------ restores

	/**
	 * Restores to latest, to the middle of the writes and of a plain backup of the same database,
	 * with the cp + fsync baseline, and two parts of a restore to a point measured on their own.
	 */
	record Restores(List<Double> baseline, List<Double> latest, int segments, List<Double> middle,
			int middleSegments, List<Double> plain, List<Double> quickCheck, List<Double> segmentRead,
			long segmentBytes, List<Double> plainSafe, List<Double> latestSafe, List<Double> toFile) {
	}

	private Restores restores(SqliteBackupTemplate template, Path live, Path store, Capturing capturing)
			throws Exception {
		Backup plainBackup = template.backup(DATABASE);
		List<Double> baseline = new ArrayList<>();
		List<Double> latest = new ArrayList<>();
		List<Double> middle = new ArrayList<>();
		List<Double> plain = new ArrayList<>();
		List<Double> quickCheck = new ArrayList<>();
		List<Double> segmentRead = new ArrayList<>();
		List<Double> plainSafe = new ArrayList<>();
		List<Double> latestSafe = new ArrayList<>();
		List<Double> toFile = new ArrayList<>();
		int segments = 0;
		int middleSegments = 0;
		long segmentBytes = 0;
		for (int run = 0; run < this.settings.runs(); run++) {
			baseline.add(CopyBaseline.cpAndFsync(live, this.directory));
			long started = System.nanoTime();
			PointInTimeResult result = template.restoreToPointInTime(DATABASE, null, false);
			latest.add((System.nanoTime() - started) / 1e9);
			segments = result.segments();
			started = System.nanoTime();
			result = template.restoreToPointInTime(DATABASE, capturing.middle(), false);
			middle.add((System.nanoTime() - started) / 1e9);
			middleSegments = result.segments();
			started = System.nanoTime();
			template.restore(DATABASE, plainBackup.id(), false);
			plain.add((System.nanoTime() - started) / 1e9);
			// The same two with the safety backup every restore takes by default.
			started = System.nanoTime();
			RestoreResult safe = template.restore(DATABASE, plainBackup.id(), true);
			plainSafe.add((System.nanoTime() - started) / 1e9);
			template.delete(DATABASE, safe.safetyBackupId());
			started = System.nanoTime();
			safe = template.restoreToPointInTime(DATABASE, null, true).restore();
			latestSafe.add((System.nanoTime() - started) / 1e9);
			template.delete(DATABASE, safe.safetyBackupId());
			// What Litestream's restore does: the latest state into a new file, the live database untouched.
			Path copy = this.directory.resolve("restored-to-file.db");
			Files.deleteIfExists(copy);
			started = System.nanoTime();
			template.restoreToFile(DATABASE, null, copy);
			toFile.add((System.nanoTime() - started) / 1e9);
			Files.delete(copy);
			quickCheck.add(quickCheckSeconds(live));
			started = System.nanoTime();
			segmentBytes = readAndHash(store.resolve(DATABASE).resolve("segments"));
			segmentRead.add((System.nanoTime() - started) / 1e9);
			this.out.printf(Locale.ROOT,
					"continuous restore run %d: cp %.2f latest %.2f (%d segments) middle %.2f (%d segments) plain %.2f "
							+ "quick_check %.2f segment read %.2f s; with safety backups: plain %.2f latest %.2f s; "
							+ "latest into a new file %.2f s%n",
					run + 1, baseline.get(run), latest.get(run), segments, middle.get(run), middleSegments,
					plain.get(run), quickCheck.get(run), segmentRead.get(run), plainSafe.get(run), latestSafe.get(run),
					toFile.get(run));
		}
		template.delete(DATABASE, plainBackup.id());
		return new Restores(baseline, latest, segments, middle, middleSegments, plain, quickCheck, segmentRead,
				segmentBytes, plainSafe, latestSafe, toFile);
	}

	private static double quickCheckSeconds(Path file) throws Exception {
		long started = System.nanoTime();
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + file);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("PRAGMA quick_check")) {
			rows.next();
		}
		return (System.nanoTime() - started) / 1e9;
	}

	/** Reads every segment file with SHA-256, as a restore does before it applies them; returns the bytes. */
	private static long readAndHash(Path segments) throws Exception {
		long bytes = 0;
		byte[] buffer = new byte[1 << 20];
		try (var files = Files.list(segments)) {
			for (Path file : files.filter((path) -> path.getFileName().toString().endsWith(".segment")).toList()) {
				MessageDigest digest = MessageDigest.getInstance("SHA-256");
				try (InputStream input = Files.newInputStream(file)) {
					int read;
					while ((read = input.read(buffer)) >= 0) {
						digest.update(buffer, 0, read);
						bytes += read;
					}
				}
				digest.digest();
			}
		}
		return bytes;
	}

	// ------------------------------------------------------------------ kill -9

	/**
	 * What one {@code kill -9} of the capturing process lost: the acknowledged commits missing after
	 * a restore to the latest captured state, and how far before the kill the oldest of them was
	 * acknowledged.
	 */
	record Kill(double lostSeconds, int missing, int acknowledged, boolean prefix, double restoredToBeforeKill) {
	}

	private Kill killCapturingProcess(Path live, Path store) throws Exception {
		long killedAt;
		List<ScheduledWriter.Sample> samples;
		try (Benchmark.ChildWriter writer = new Benchmark.ChildWriter(live, this.settings.writerRate())) {
			Process capture = new ProcessBuilder(Benchmark.javaCommand(CaptureProcess.class, "-Xmx256m",
					live.toString(), store.toString(), String.valueOf(SYNC_INTERVAL.toMillis())))
				.redirectError(ProcessBuilder.Redirect.INHERIT)
				.start();
			try {
				BufferedReader output = new BufferedReader(
						new InputStreamReader(capture.getInputStream(), StandardCharsets.UTF_8));
				String ready = output.readLine();
				if (!"READY".equals(ready)) {
					throw new IllegalStateException("Capture process did not start: " + ready);
				}
				// A random moment within a sync interval, so that the kills land anywhere in the pass cycle.
				Thread.sleep(this.settings.killAfter().toMillis()
						+ ThreadLocalRandom.current().nextLong(SYNC_INTERVAL.toMillis()));
				killedAt = ScheduledWriter.nowMicros();
				capture.destroyForcibly();
				capture.waitFor();
			}
			finally {
				capture.destroyForcibly();
			}
			Thread.sleep(200);
			samples = writer.stopAndCollect();
		}
		SqliteBackupTemplate template = template(live, store);
		PointInTimeResult restored = template.restoreToPointInTime(DATABASE, null, false);
		long firstStart = samples.stream().mapToLong(ScheduledWriter.Sample::startMicros).min().orElse(0);
		Set<Long> present = restoredCommits(live, firstStart);
		List<ScheduledWriter.Sample> acknowledged = samples.stream()
			.filter((sample) -> sample.endMicros() < killedAt)
			.sorted(Comparator.comparingLong(ScheduledWriter.Sample::startMicros))
			.toList();
		long oldestMissingAck = Long.MAX_VALUE;
		int missing = 0;
		boolean prefix = true;
		for (ScheduledWriter.Sample sample : acknowledged) {
			if (!present.contains(sample.startMicros())) {
				missing++;
				oldestMissingAck = Math.min(oldestMissingAck, sample.endMicros());
			}
			else if (missing > 0) {
				prefix = false;
			}
		}
		double lost = (missing == 0) ? 0 : (killedAt - oldestMissingAck) / 1e6;
		double restoredToBeforeKill = (killedAt - (restored.restoredTo().toEpochMilli() * 1000)) / 1e6;
		this.out.printf(Locale.ROOT,
				"continuous kill -9: %d of %d acknowledged commits missing, %.3f s lost, gap-free prefix %s, "
						+ "restored to %.3f s before the kill (%d segments)%n",
				missing, acknowledged.size(), lost, prefix, restoredToBeforeKill, restored.segments());
		return new Kill(lost, missing, acknowledged.size(), prefix, restoredToBeforeKill);
	}

	/** Start times of the writer's commits in the database, which it wrote as their {@code ts}. */
	private static Set<Long> restoredCommits(Path live, long fromMicros) throws Exception {
		Set<Long> present = new HashSet<>();
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + live);
				PreparedStatement select = connection
					.prepareStatement("SELECT ts FROM event_log WHERE kind = 'bench' AND ts >= ?")) {
			select.setLong(1, fromMicros);
			try (ResultSet rows = select.executeQuery()) {
				while (rows.next()) {
					present.add(rows.getLong(1));
				}
			}
		}
		return present;
	}

	// ------------------------------------------------------------------ table

	private String table(Capturing capturing, Restores restores, List<Kill> kills) {
		Settings settings = this.settings;
		long interval = SYNC_INTERVAL.toSeconds();
		StringBuilder table = new StringBuilder();
		table.append("### Continuous backup (WAL, writer process at ").append(settings.writerRate())
			.append(" tx/s, a capture pass every ").append(interval).append(" s; capture off for ")
			.append(settings.off().toSeconds()).append(" s, then on for ").append(settings.writes().toSeconds())
			.append(" s; restores and kills: median [min–max] of ").append(settings.runs()).append(")\n\n");
		table.append("| figure | measured | ratio | target | met |\n|---|---|---|---|---|\n");
		List<Double> lag = capturing.lagSeconds();
		double lagP99 = Stats.percentile(lag, 99);
		table.append(String.format(Locale.ROOT, "| capture lag p50 / p99 / max (s; acknowledgement to end of the pass that shipped it, %d commits) | %.3f / %.3f / %.3f | – | p99 ≤ 1.5 s | %s |%n",
				lag.size(), Stats.percentile(lag, 50), lagP99, Stats.max(lag), met(lagP99 <= 1.5)));
		double offP99 = capturing.off().p99();
		double onP99 = capturing.on().p99();
		table.append(String.format(Locale.ROOT, "| writer commit p50 / p99 / worst, capture off (ms, %d commits) | %.1f / %.1f / %.1f | 1.00× | – | – |%n",
				capturing.off().commits(), capturing.off().p50(), offP99, capturing.off().max()));
		table.append(String.format(Locale.ROOT, "| writer commit p50 / p99 / worst, capture on (ms, %d commits) | %.1f / %.1f / %.1f | %s (p99) | p99 ≤ 1.25× off | %s |%n",
				capturing.on().commits(), capturing.on().p50(), onP99, capturing.on().max(), Stats.ratio(onP99, offP99),
				met(onP99 <= 1.25 * offP99)));
		List<Double> lost = kills.stream().map(Kill::lostSeconds).toList();
		double rpoTarget = interval + 1;
		table.append(String.format(Locale.ROOT, "| `kill -9` of the capturing process: acknowledged commits lost (s from the oldest lost one to the kill; %s of %s commits missing; gap-free prefix: %s) | %s | – | ≤ %.0f s | %s |%n",
				kills.stream().map((kill) -> String.valueOf(kill.missing())).toList(),
				kills.stream().map((kill) -> String.valueOf(kill.acknowledged())).toList(),
				kills.stream().allMatch(Kill::prefix) ? "yes" : "NO", Stats.spread(lost, 3), rpoTarget,
				met(Stats.max(lost) <= rpoTarget && kills.stream().allMatch(Kill::prefix))));
		double base = Stats.median(restores.baseline());
		double latest = Stats.median(restores.latest());
		double plain = Stats.median(restores.plain());
		table.append("| baseline: cp + fsync of the live file (s) | ").append(Stats.spread(restores.baseline(), 2))
			.append(" | 1.00× | – | – |\n");
		table.append("| plain restore of a backup of the same database, no safety backup (s) | ")
			.append(Stats.spread(restores.plain(), 2)).append(" | ").append(Stats.ratio(plain, base)).append(" | – | – |\n");
		table.append(String.format(Locale.ROOT, "| restore to latest after %d s of writes, no safety backup (s; snapshot + %d segments) | %s | %s | ≤ 1.5× plain restore | %s (%s plain) |%n",
				settings.writes().toSeconds(), restores.segments(), Stats.spread(restores.latest(), 2),
				Stats.ratio(latest, base), met(latest <= 1.5 * plain), Stats.ratio(latest, plain)));
		double middle = Stats.median(restores.middle());
		table.append(String.format(Locale.ROOT, "| restore to the middle of those writes, no safety backup (s; snapshot + %d segments) | %s | %s | – | – (%s plain) |%n",
				restores.middleSegments(), Stats.spread(restores.middle(), 2), Stats.ratio(middle, base),
				Stats.ratio(middle, plain)));
		double plainSafe = Stats.median(restores.plainSafe());
		double latestSafe = Stats.median(restores.latestSafe());
		table.append("| plain restore with the safety backup (the default) (s) | ")
			.append(Stats.spread(restores.plainSafe(), 2)).append(" | ").append(Stats.ratio(plainSafe, base))
			.append(" | – | – |\n");
		table.append(String.format(Locale.ROOT, "| restore to latest with the safety backup (the default) (s) | %s | %s | ≤ 1.5× plain restore | %s (%s plain) |%n",
				Stats.spread(restores.latestSafe(), 2), Stats.ratio(latestSafe, base), met(latestSafe <= 1.5 * plainSafe),
				Stats.ratio(latestSafe, plainSafe)));
		table.append("| restore to latest into a new file, the live database untouched (`restoreToFile`; what Litestream's restore does) (s) | ")
			.append(Stats.spread(restores.toFile(), 2)).append(" | ")
			.append(Stats.ratio(Stats.median(restores.toFile()), base)).append(" | – | – |\n");
		table.append("| part: `PRAGMA quick_check` of the live file alone (a restore to a point runs it on the built file) (s) | ")
			.append(Stats.spread(restores.quickCheck(), 2)).append(" | ")
			.append(Stats.ratio(Stats.median(restores.quickCheck()), base)).append(" | – | – |\n");
		table.append(String.format(Locale.ROOT, "| part: reading every segment's frames with SHA-256 alone (s; %.1f MiB) | %s | %s | – | – |%n",
				restores.segmentBytes() / 1048576.0, Stats.spread(restores.segmentRead(), 2),
				Stats.ratio(Stats.median(restores.segmentRead()), base)));
		List<Pass> passes = capturing.passes();
		table.append(String.format(Locale.ROOT, "| capture work: chain start (snapshot) s; passes (failed); passes that checkpointed; writer errors | %.2f; %d (%d); %d; %d | – | – | – |%n",
				capturing.chainStartSeconds(), passes.size(), passes.stream().filter(Pass::failed).count(),
				passes.stream().filter(Pass::checkpointed).count(), capturing.writerErrors()));
		if (capturing.unshipped() > 0) {
			table.append("\n").append(capturing.unshipped()).append(" commits had no successful pass after them.\n");
		}
		return table.toString();
	}

	private static String met(boolean met) {
		return met ? "yes" : "**no**";
	}

	private static SqliteBackupTemplate template(Path live, Path store) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of(DATABASE, ScheduledWriter.plainDataSource(live.toString()))),
				new LocalDirectoryBackupStore(store), BackupOptions.defaults().withSafetyBackup(false));
	}

}
