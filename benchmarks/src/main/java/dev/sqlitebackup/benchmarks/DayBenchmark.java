package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;

import javax.sql.DataSource;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;

/**
 * The {@code day} group: continuous backup through simulated hours of small writes, then a
 * restore of the latest point into a new file against a plain restore of a backup taken at the
 * end and against {@code cp} + fsync, into a local directory and into a bucket (S3Proxy on
 * loopback). The template runs on a clock the benchmark moves by one sync interval after each
 * pass, so that a day of passes, compaction and thinning runs in minutes.
 */
final class DayBenchmark {

	static final String DATABASE = "bench";

	private static final String BUCKET = "day";

	/** The starter's default sync interval, by which the clock moves after every pass. */
	private static final Duration SYNC_INTERVAL = BackupOptions.DEFAULT_SYNC_INTERVAL;

	/** Same seed, same writes: runs on the same database are comparable. */
	private static final long SEED = 20261204L;

	private static final String[] STATUSES = { "new", "paid", "shipped", "delivered", "cancelled", "refunded" };

	private static final String[] COUNTRIES = { "DE", "FR", "US", "GB", "JP", "BR", "IN", "NL", "SE", "ES" };

	private static final String[] KINDS = { "login", "view", "search", "cart", "checkout" };

	/** Event timestamps (ms) at and after which events are the simulated day's, not the generated ones. */
	private static final long DAY_EVENTS_FROM = 1_700_000_000_000L;

	private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz      0123456789.,;-".toCharArray();

	private final Path directory;

	private final Settings settings;

	private final PrintStream out;

	private DayBenchmark(Path directory, Settings settings, PrintStream out) {
		this.directory = directory;
		this.settings = settings;
		this.out = out;
	}

	/**
	 * What the group simulates and measures.
	 *
	 * @param hours simulated hours of writes, one pass per simulated second
	 * @param transactionsPerSecond write transactions committed before each pass
	 * @param stores {@code local}, {@code s3} or both, in that order
	 * @param runs how many restores of each kind, and cp + fsync, per store
	 */
	record Settings(double hours, int transactionsPerSecond, List<String> stores, int runs) {

		long seconds() {
			return Math.max(1, Math.round(this.hours * 3600));
		}

	}

	/** Runs the group and returns its table. */
	static String run(Path generated, Path directory, Settings settings, PrintStream out) throws Exception {
		DayBenchmark benchmark = new DayBenchmark(directory, settings, out);
		List<StoreRun> runs = new ArrayList<>();
		for (String store : settings.stores()) {
			switch (store) {
				case "local" -> runs.add(benchmark.local(generated));
				case "s3" -> runs.add(benchmark.s3(generated));
				default -> throw new IllegalArgumentException("--day-stores takes local and s3, not " + store);
			}
		}
		return benchmark.table(runs);
	}

	private StoreRun local(Path generated) throws Exception {
		Path root = this.directory.resolve("day-backups");
		Benchmark.deleteTree(root);
		try {
			return measure("local directory", generated, new LocalDirectoryBackupStore(root), () -> objectsUnder(root));
		}
		finally {
			Benchmark.deleteTree(root);
		}
	}

	private StoreRun s3(Path generated) throws Exception {
		Path serverDirectory = this.directory.resolve("day-s3proxy");
		Path staging = this.directory.resolve("day-s3-staging");
		Benchmark.deleteTree(serverDirectory);
		Benchmark.deleteTree(staging);
		try (S3ProxyProcess server = S3ProxyProcess.start(serverDirectory); S3Client client = server.client()) {
			client.createBucket((request) -> request.bucket(BUCKET));
			S3BackupStore store = new S3BackupStore(client, BUCKET, "", staging, S3BackupStore.DEFAULT_PART_SIZE);
			return measure("S3 (S3Proxy on loopback)", generated, store, () -> objectsIn(client));
		}
		finally {
			Benchmark.deleteTree(serverDirectory);
			Benchmark.deleteTree(staging);
		}
	}

	// ------------------------------------------------------------------ one store

	/** The objects a store holds, counted from its own listing (files or keys), not the engine's. */
	record StoreObjects(long count, long bytes) {

		@Override
		public String toString() {
			return String.format(Locale.ROOT, "%d objects (%.1f MiB)", this.count, this.bytes / 1048576.0);
		}

	}

	/** Counts a store's objects; may fail like any listing. */
	interface ObjectCount {

		StoreObjects count() throws IOException;

	}

	/** What the simulation did. */
	record Simulation(long passes, long failed, long checkpointed, long chains, double chainStartSeconds,
			double realSeconds, double writeSeconds, List<Double> passMillis, long transactions) {

		double passesPerSecond() {
			return this.passes / this.realSeconds;
		}

	}

	/** Restores, baseline and checks of one store. */
	record Restores(List<Double> baseline, List<Double> latest, int segments, List<Double> plain,
			double backupSeconds, String latestIntegrity, String plainIntegrity, boolean latestEqual,
			boolean plainEqual) {
	}

	/** The store's content at the end, as the engine lists it and as the store counts it. */
	record Content(StoreObjects objects, TreeMap<Integer, Integer> segmentsByLevel, long snapshots, int backups) {
	}

	/** Everything measured on one store. */
	record StoreRun(String store, Simulation simulation, Restores restores, Content content, long liveBytes,
			String liveDigest) {
	}

	private StoreRun measure(String label, Path generated, BackupStore store, ObjectCount objects) throws Exception {
		Path live = DatabaseGenerator.liveCopy(generated, this.directory.resolve("live-WAL.db"), "WAL");
		long seconds = this.settings.seconds();
		// The simulated day ends about now, so that nothing the store holds is dated far in the future.
		SimulatedClock clock = new SimulatedClock(
				Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofSeconds(seconds)));
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of(DATABASE, dataSource(live))),
				store, BackupOptions.defaults().withSafetyBackup(false), clock);
		Simulation simulation;
		try {
			simulation = simulate(label, template, clock, live, objects);
		}
		catch (Exception | Error ex) {
			// Its compaction thread must not write into a store the caller deletes next.
			template.stopCapture(DATABASE);
			throw ex;
		}
		String digest = digest(live);
		long started = System.nanoTime();
		// Capture is stopped, so this backup is a plain one and adds no snapshot to the chain a restore reads.
		Backup backup = template.backup(DATABASE);
		double backupSeconds = (System.nanoTime() - started) / 1e9;
		Restores restores = restores(label, template, live, backup, backupSeconds, digest);
		Content content = content(store, objects);
		this.out.printf(Locale.ROOT, "day %s: at the end %s; segments by level %s, %d snapshots, %d backups%n", label,
				content.objects(), content.segmentsByLevel(), content.snapshots(), content.backups());
		return new StoreRun(label, simulation, restores, content, Files.size(live), digest);
	}

	private Simulation simulate(String label, SqliteBackupTemplate template, SimulatedClock clock, Path live,
			ObjectCount objects) throws Exception {
		long seconds = this.settings.seconds();
		List<Double> passMillis = new ArrayList<>((int) Math.min(seconds, Integer.MAX_VALUE));
		long failed = 0;
		long checkpointed = 0;
		long chains = 0;
		double writeSeconds = 0;
		long transactions = 0;
		long started = System.nanoTime();
		CaptureResult first = template.capture(DATABASE);
		double chainStart = (System.nanoTime() - started) / 1e9;
		chains += first.startedChain() ? 1 : 0;
		this.out.printf(Locale.ROOT, "day %s: chain %s started in %.2f s; simulating %d s at %d tx/s%n", label,
				first.chainId(), chainStart, seconds, this.settings.transactionsPerSecond());
		clock.advance(SYNC_INTERVAL);
		long simulationStart = System.nanoTime();
		try (Writes writes = new Writes(template.getDatabase(DATABASE).dataSource())) {
			for (long second = 1; second <= seconds; second++) {
				long writing = System.nanoTime();
				for (int i = 0; i < this.settings.transactionsPerSecond(); i++) {
					writes.commit(clock.millis());
					transactions++;
				}
				long passing = System.nanoTime();
				writeSeconds += (passing - writing) / 1e9;
				try {
					CaptureResult result = template.capture(DATABASE);
					checkpointed += result.checkpointed() ? 1 : 0;
					chains += result.startedChain() ? 1 : 0;
				}
				catch (SqliteBackupException ex) {
					// The next pass ships what this one could not; a day of them tells how often that happens.
					if (failed++ < 5) {
						this.out.println("day " + label + ": a capture pass failed: " + ex.getMessage());
					}
				}
				passMillis.add((System.nanoTime() - passing) / 1e6);
				clock.advance(SYNC_INTERVAL);
				if (second % 3600 == 0 || second == seconds) {
					double real = (System.nanoTime() - simulationStart) / 1e9;
					this.out.printf(Locale.ROOT,
							"day %s: %.2f simulated h, %d passes (%d failed) in %.1f s real (%.1f passes/s; writes %.1f s), "
									+ "pass p50 %.1f p99 %.1f max %.1f ms, store %s, live %.1f MiB%n",
							label, second / 3600.0, second, failed, real, second / real, writeSeconds,
							Stats.percentile(passMillis, 50), Stats.percentile(passMillis, 99), Stats.max(passMillis),
							objects.count(), Files.size(live) / 1048576.0);
				}
			}
		}
		double realSeconds = (System.nanoTime() - simulationStart) / 1e9;
		// The starter's graceful stop: a last pass, then the capture lets go of the database.
		template.stopCapture(DATABASE);
		return new Simulation(seconds, failed, checkpointed, chains, chainStart, realSeconds, writeSeconds, passMillis,
				transactions);
	}

	private Restores restores(String label, SqliteBackupTemplate template, Path live, Backup backup,
			double backupSeconds, String liveDigest) throws Exception {
		List<Double> baseline = new ArrayList<>();
		List<Double> latest = new ArrayList<>();
		List<Double> plain = new ArrayList<>();
		int segments = 0;
		String latestIntegrity = "–";
		String plainIntegrity = "–";
		boolean latestEqual = false;
		boolean plainEqual = false;
		Path latestFile = this.directory.resolve("day-latest.db");
		Path plainFile = this.directory.resolve("day-plain.db");
		try {
			for (int run = 0; run < this.settings.runs(); run++) {
				Files.deleteIfExists(latestFile);
				Files.deleteIfExists(plainFile);
				baseline.add(CopyBaseline.cpAndFsync(live, this.directory));
				long started = System.nanoTime();
				PointInTimeResult result = template.restoreToFile(DATABASE, null, latestFile);
				latest.add((System.nanoTime() - started) / 1e9);
				segments = result.segments();
				started = System.nanoTime();
				template.restoreBackupToFile(DATABASE, backup.id(), plainFile);
				plain.add((System.nanoTime() - started) / 1e9);
				if (run == 0) {
					// Checked once: the check reads the whole file, and each run restores the same state.
					latestIntegrity = integrityCheck(latestFile);
					plainIntegrity = integrityCheck(plainFile);
					latestEqual = digest(latestFile).equals(liveDigest);
					plainEqual = digest(plainFile).equals(liveDigest);
				}
				this.out.printf(Locale.ROOT,
						"day %s restore run %d: cp %.2f, latest into a new file %.2f (snapshot + %d segments), "
								+ "plain backup into a new file %.2f s%n",
						label, run + 1, baseline.get(run), latest.get(run), segments, plain.get(run));
			}
		}
		finally {
			Files.deleteIfExists(latestFile);
			Files.deleteIfExists(plainFile);
		}
		this.out.printf(Locale.ROOT, "day %s: integrity_check latest %s, plain %s; equal to the live database: %s, %s%n",
				label, latestIntegrity, plainIntegrity, latestEqual, plainEqual);
		return new Restores(baseline, latest, segments, plain, backupSeconds, latestIntegrity, plainIntegrity,
				latestEqual, plainEqual);
	}

	private static Content content(BackupStore store, ObjectCount objects) throws IOException {
		TreeMap<Integer, Integer> byLevel = new TreeMap<>();
		for (int level = 0; level <= CompactionLevels.DEFAULT.top(); level++) {
			byLevel.put(level, 0);
		}
		long snapshots = 0;
		for (Segment segment : store.listSegments(DATABASE)) {
			if (segment.isSnapshot()) {
				snapshots++;
			}
			else {
				byLevel.merge(segment.level(), 1, Integer::sum);
			}
		}
		return new Content(objects.count(), byLevel, snapshots, store.list(DATABASE).size());
	}

	// ------------------------------------------------------------------ writes

	/**
	 * The application's writes: each transaction updates a random customer and a random order (its
	 * status, so that the status index changes too) anywhere in the database, and appends an event,
	 * over one connection from the template's own data source.
	 */
	private static final class Writes implements AutoCloseable {

		private final SplittableRandom random = new SplittableRandom(SEED);

		private final Connection connection;

		private final PreparedStatement customer;

		private final PreparedStatement order;

		private final PreparedStatement event;

		private final long customers;

		private final long orders;

		Writes(DataSource dataSource) throws SQLException {
			this.connection = dataSource.getConnection();
			try (Statement statement = this.connection.createStatement()) {
				this.customers = single(statement, "SELECT max(id) FROM customer");
				this.orders = single(statement, "SELECT max(id) FROM orders");
			}
			this.customer = this.connection.prepareStatement("UPDATE customer SET name = ?, country = ? WHERE id = ?");
			this.order = this.connection
				.prepareStatement("UPDATE orders SET status = ?, total_cents = ?, note = ? WHERE id = ?");
			this.event = this.connection.prepareStatement("INSERT INTO event_log (ts, kind, payload) VALUES (?, ?, ?)");
			this.connection.setAutoCommit(false);
		}

		void commit(long millis) throws SQLException {
			SplittableRandom random = this.random;
			this.customer.setString(1, text(random, 8 + random.nextInt(16)));
			this.customer.setString(2, COUNTRIES[random.nextInt(COUNTRIES.length)]);
			this.customer.setLong(3, 1 + random.nextLong(this.customers));
			this.customer.executeUpdate();
			this.order.setString(1, STATUSES[random.nextInt(STATUSES.length)]);
			this.order.setLong(2, random.nextLong(1_000_000));
			this.order.setString(3, (random.nextInt(4) == 0) ? text(random, 20 + random.nextInt(200)) : null);
			this.order.setLong(4, 1 + random.nextLong(this.orders));
			this.order.executeUpdate();
			this.event.setLong(1, millis);
			this.event.setString(2, KINDS[random.nextInt(KINDS.length)]);
			this.event.setString(3, text(random, 100 + random.nextInt(200)));
			this.event.executeUpdate();
			this.connection.commit();
		}

		@Override
		public void close() throws SQLException {
			this.connection.close();
		}

		private static String text(SplittableRandom random, int length) {
			char[] chars = new char[length];
			for (int i = 0; i < length; i++) {
				chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
			}
			return new String(chars);
		}

	}

	/**
	 * The application's data source: WAL with {@code synchronous=NORMAL}, as WAL applications
	 * usually run, so that commits cost what they would there and the simulated day stays short.
	 */
	private static DataSource dataSource(Path live) {
		SQLiteConfig config = new SQLiteConfig();
		config.setBusyTimeout(ScheduledWriter.BUSY_TIMEOUT_MILLIS);
		config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + live);
		return dataSource;
	}

	// ------------------------------------------------------------------ checks

	private static String integrityCheck(Path file) throws SQLException {
		try (Connection connection = readOnly(file); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("PRAGMA integrity_check")) {
			rows.next();
			return rows.getString(1);
		}
	}

	/**
	 * SHA-256 of every row the writes can have changed: all customers and orders, the event log's
	 * size and newest id, and every event of the simulated day. Equal digests mean equal data there.
	 */
	static String digest(Path file) throws Exception {
		MessageDigest digest = MessageDigest.getInstance("SHA-256");
		try (Connection connection = readOnly(file); Statement statement = connection.createStatement()) {
			hashRows(digest, statement, "SELECT count(*), max(id) FROM event_log");
			hashRows(digest, statement, "SELECT id, email, name, country, created FROM customer ORDER BY id");
			hashRows(digest, statement, "SELECT id, customer_id, status, total_cents, created, note FROM orders ORDER BY id");
			// The generated events are dated 2020 (milliseconds from 1.6e12 on), the simulated day's now.
			hashRows(digest, statement, "SELECT id, ts, kind, payload FROM event_log WHERE ts >= " + DAY_EVENTS_FROM
					+ " ORDER BY id");
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private static void hashRows(MessageDigest digest, Statement statement, String sql) throws SQLException {
		try (ResultSet rows = statement.executeQuery(sql)) {
			int columns = rows.getMetaData().getColumnCount();
			StringBuilder row = new StringBuilder();
			while (rows.next()) {
				row.setLength(0);
				for (int column = 1; column <= columns; column++) {
					String value = rows.getString(column);
					// A separator no value holds, and a marker for NULL that no text equals.
					row.append((value != null) ? value : "\u0000NULL").append('\u0001');
				}
				digest.update(row.append('\n').toString().getBytes(StandardCharsets.UTF_8));
			}
		}
	}

	private static Connection readOnly(Path file) throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setReadOnly(true);
		return config.createConnection("jdbc:sqlite:" + file);
	}

	private static long single(Statement statement, String sql) throws SQLException {
		try (ResultSet rows = statement.executeQuery(sql)) {
			rows.next();
			return rows.getLong(1);
		}
	}

	// ------------------------------------------------------------------ object counts

	private static StoreObjects objectsUnder(Path root) throws IOException {
		if (!Files.isDirectory(root)) {
			return new StoreObjects(0, 0);
		}
		long count = 0;
		long bytes = 0;
		try (var paths = Files.walk(root)) {
			// Staging files are work in progress (a compaction block is built beside the passes), not objects.
			for (Path path : paths.filter((path) -> !path.toString().contains("/.staging/"))
				.filter(Files::isRegularFile)
				.toList()) {
				try {
					bytes += Files.size(path);
					count++;
				}
				catch (java.nio.file.NoSuchFileException ex) {
					// Deleted by thinning since the walk listed it.
				}
			}
		}
		return new StoreObjects(count, bytes);
	}

	private static StoreObjects objectsIn(S3Client client) {
		long count = 0;
		long bytes = 0;
		for (S3Object object : client.listObjectsV2Paginator((request) -> request.bucket(BUCKET)).contents()) {
			count++;
			bytes += object.size();
		}
		return new StoreObjects(count, bytes);
	}

	// ------------------------------------------------------------------ table

	private String table(List<StoreRun> runs) {
		Settings settings = this.settings;
		StringBuilder table = new StringBuilder();
		table.append(String.format(Locale.ROOT,
				"### A day of writes: restore of the latest point after %s (WAL, %d small transactions "
						+ "and a capture pass every simulated second, default compaction; restores: median [min–max] of %d)%n%n",
				hours(settings.hours()), settings.transactionsPerSecond(), settings.runs()));
		table.append("| figure |");
		runs.forEach((run) -> table.append(' ').append(run.store()).append(" |"));
		table.append("\n|---|");
		runs.forEach((run) -> table.append("---|"));
		table.append('\n');
		row(table, runs, "simulated seconds (passes); failed passes; passes that checkpointed; chains started",
				(run) -> String.format(Locale.ROOT, "%d; %d; %d; %d", run.simulation().passes(), run.simulation().failed(),
						run.simulation().checkpointed(), run.simulation().chains()));
		row(table, runs, "real time of the simulation (s; of which writes); passes per real second",
				(run) -> String.format(Locale.ROOT, "%.1f (%.1f); %.1f", run.simulation().realSeconds(),
						run.simulation().writeSeconds(), run.simulation().passesPerSecond()));
		row(table, runs, "capture pass p50 / p99 / max (ms of real time)", (run) -> {
			List<Double> millis = run.simulation().passMillis();
			return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", Stats.percentile(millis, 50),
					Stats.percentile(millis, 99), Stats.max(millis));
		});
		row(table, runs, "chain start (snapshot) (s); backup taken at the end (s)",
				(run) -> String.format(Locale.ROOT, "%.2f; %.2f", run.simulation().chainStartSeconds(),
						run.restores().backupSeconds()));
		row(table, runs, "baseline: cp + fsync of the live file (s)",
				(run) -> Stats.spread(run.restores().baseline(), 2) + " (1.00×)");
		row(table, runs, "plain restore of that backup into a new file (`restoreBackupToFile`) (s; ratio to cp + fsync)",
				(run) -> Stats.spread(run.restores().plain(), 2) + " ("
						+ Stats.ratio(Stats.median(run.restores().plain()), Stats.median(run.restores().baseline())) + ")");
		row(table, runs, "restore of the latest point into a new file (`restoreToFile`) (s; ratio to cp + fsync)",
				(run) -> Stats.spread(run.restores().latest(), 2) + " ("
						+ Stats.ratio(Stats.median(run.restores().latest()), Stats.median(run.restores().baseline())) + ")");
		row(table, runs, "objects that restore read: snapshot + segments and blocks",
				(run) -> "1 + " + run.restores().segments());
		row(table, runs, "**latest / plain restore** (target ≤ 2×)", (run) -> {
			double ratio = Stats.median(run.restores().latest()) / Stats.median(run.restores().plain());
			return String.format(Locale.ROOT, "**%.2f×** (%s)", ratio, (ratio <= 2.0) ? "met" : "not met");
		});
		row(table, runs, "store at the end: objects (MiB)",
				(run) -> String.format(Locale.ROOT, "%d (%.1f)", run.content().objects().count(),
						run.content().objects().bytes() / 1048576.0));
		row(table, runs, "of which segments of level " + levelNames() + "; snapshots; backups",
				(run) -> run.content().segmentsByLevel().values().stream().map(String::valueOf)
					.reduce((a, b) -> a + " / " + b).orElse("–") + "; " + run.content().snapshots() + "; "
						+ run.content().backups());
		row(table, runs, "restored files: `integrity_check` latest / plain",
				(run) -> run.restores().latestIntegrity() + " / " + run.restores().plainIntegrity());
		row(table, runs, "restored files equal to the live database (SHA-256 of customers, orders and the day's events) latest / plain",
				(run) -> (run.restores().latestEqual() ? "yes" : "**NO**") + " / "
						+ (run.restores().plainEqual() ? "yes" : "**NO**"));
		row(table, runs, "live database at the end (MiB); transactions written",
				(run) -> String.format(Locale.ROOT, "%.1f; %d", run.liveBytes() / 1048576.0,
						run.simulation().transactions()));
		return table.toString();
	}

	private static void row(StringBuilder table, List<StoreRun> runs, String figure,
			Function<StoreRun, String> cell) {
		table.append("| ").append(figure).append(" |");
		runs.forEach((run) -> table.append(' ').append(cell.apply(run)).append(" |"));
		table.append('\n');
	}

	private static String levelNames() {
		StringBuilder names = new StringBuilder("0");
		for (int level = 1; level <= CompactionLevels.DEFAULT.top(); level++) {
			names.append(" / ").append(level);
		}
		return names.toString();
	}

	private static String hours(double hours) {
		String number = (hours == Math.rint(hours)) ? String.valueOf((long) hours) : String.valueOf(hours);
		return number + ((hours == 1) ? " simulated hour" : " simulated hours");
	}

}
