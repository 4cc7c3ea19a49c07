package dev.sqlitebackup.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import javax.sql.DataSource;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * An application writer: commits one small transaction (an event row and a customer update) on a
 * fixed schedule, and records for every commit when it was due, when it started and when it
 * ended, on the wall clock so that samples from another process line up with the backup's
 * timings. A commit that is late starts late: "lag" is how far behind its schedule it started.
 * Each event's payload starts with a marker of its index ({@link #marker}), so that a replica's
 * bytes can be searched for it: the n-th sample is the commit of the event marked n.
 * <p>
 * Run as a main class, it is the writer in a separate OS process: it writes until a line arrives
 * on stdin, then prints its samples.
 */
final class ScheduledWriter implements Runnable {

	/** Busy timeout of the writer's connections: longer than any lock the backup holds here. */
	static final int BUSY_TIMEOUT_MILLIS = 20_000;

	/** Length of every event's payload, marker included. */
	static final int PAYLOAD_LENGTH = 100;

	/** Length of {@link #marker}: {@code ev#}, ten digits, {@code #}. */
	static final int MARKER_LENGTH = 14;

	private final DataSource dataSource;

	private final long periodNanos;

	private final AtomicBoolean stop = new AtomicBoolean();

	private final List<Sample> samples = new ArrayList<>();

	private volatile int errors;

	ScheduledWriter(DataSource dataSource, int commitsPerSecond) {
		this.dataSource = dataSource;
		this.periodNanos = TimeUnit.SECONDS.toNanos(1) / commitsPerSecond;
	}

	/** One commit: wall-clock microseconds when it was due, started and ended. */
	record Sample(long dueMicros, long startMicros, long endMicros) {

		long latencyMicros() {
			return this.endMicros - this.startMicros;
		}

		long lagMicros() {
			return Math.max(0, this.startMicros - this.dueMicros);
		}

		static Sample parse(String line) {
			String[] parts = line.split(" ");
			return new Sample(Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]));
		}

		String format() {
			return "S " + this.dueMicros + " " + this.startMicros + " " + this.endMicros;
		}

	}

	@Override
	public void run() {
		long startNanos = System.nanoTime();
		long startMicros = nowMicros();
		long index = 0;
		try (Connection connection = this.dataSource.getConnection();
				PreparedStatement insert = connection
					.prepareStatement("INSERT INTO event_log (ts, kind, payload) VALUES (?, 'bench', ?)");
				PreparedStatement update = connection
					.prepareStatement("UPDATE customer SET created = created + 1 WHERE id = ?")) {
			connection.setAutoCommit(false);
			String padding = "x".repeat(PAYLOAD_LENGTH - MARKER_LENGTH);
			while (!this.stop.get()) {
				long dueNanos = startNanos + index * this.periodNanos;
				long wait = dueNanos - System.nanoTime();
				if (wait > 0) {
					LockSupport.parkNanos(wait);
					continue;
				}
				long due = startMicros + (dueNanos - startNanos) / 1000;
				long started = nowMicros();
				try {
					insert.setLong(1, started);
					insert.setString(2, marker(index) + padding);
					insert.executeUpdate();
					update.setLong(1, 1 + (index % 1000));
					update.executeUpdate();
					connection.commit();
				}
				catch (SQLException ex) {
					this.errors++;
					connection.rollback();
				}
				synchronized (this.samples) {
					this.samples.add(new Sample(due, started, nowMicros()));
				}
				index++;
			}
		}
		catch (SQLException ex) {
			this.errors++;
			throw new IllegalStateException(ex);
		}
	}

	void stop() {
		this.stop.set(true);
	}

	List<Sample> samples() {
		synchronized (this.samples) {
			return List.copyOf(this.samples);
		}
	}

	int errors() {
		return this.errors;
	}

	/**
	 * The text an event's payload starts with: its index in this writer's run, in a form that
	 * occurs nowhere else in the database, so that it can be found in raw WAL frames and pages.
	 */
	static String marker(long index) {
		return String.format(Locale.ROOT, "ev#%010d#", index);
	}

	static long nowMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
	}

	/** A plain data source like an application's, with a busy timeout. */
	static DataSource plainDataSource(String file) {
		SQLiteConfig config = new SQLiteConfig();
		config.setBusyTimeout(BUSY_TIMEOUT_MILLIS);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + file);
		return dataSource;
	}

	/** Separate-process writer: {@code <database file> <commits per second>}; stops at the first stdin line. */
	public static void main(String[] args) throws Exception {
		ScheduledWriter writer = new ScheduledWriter(plainDataSource(args[0]), Integer.parseInt(args[1]));
		Thread thread = new Thread(writer, "writer");
		thread.start();
		PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
		out.println("READY");
		out.flush();
		new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
		writer.stop();
		thread.join();
		for (Sample sample : writer.samples()) {
			out.println(sample.format());
		}
		out.println("ERRORS " + writer.errors());
		out.println("DONE");
		out.flush();
	}

}
