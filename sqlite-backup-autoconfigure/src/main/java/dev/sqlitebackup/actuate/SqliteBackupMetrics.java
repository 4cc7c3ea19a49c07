package dev.sqlitebackup.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.FutureDatedBackups;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Micrometer meters for backups and restores, per database:
 * <ul>
 * <li>{@code sqlite.backup} and {@code sqlite.restore}: timers tagged {@code database} and
 * {@code outcome} ({@code success} or {@code failure}); backups also by {@code trigger}.</li>
 * <li>{@code sqlite.backup.drill}: timer of restore drills, tagged {@code database} and {@code outcome}
 * ({@code success} when the drill passed, else {@code failure}).</li>
 * <li>{@code sqlite.backup.failures} and {@code sqlite.restore.failures}: counters of failed
 * attempts.</li>
 * <li>{@code sqlite.backup.last.success.size} (bytes) and {@code sqlite.backup.last.success.time}
 * (seconds since the epoch): the newest successful backup, read from the store at startup in the
 * background (ignoring backups dated after the current time) and updated after every backup;
 * {@code NaN} while a database has none.</li>
 * </ul>
 */
public class SqliteBackupMetrics implements BackupListener {

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupMetrics.class);

	private static final String DATABASE = "database";

	private static final Duration STARTUP_WAIT = Duration.ofSeconds(1);

	private final MeterRegistry registry;

	private final Map<String, LastBackup> lastBackups = new ConcurrentHashMap<>();

	public SqliteBackupMetrics(SqliteBackupTemplate template, MeterRegistry registry) {
		this.registry = registry;
		for (String database : template.getDatabaseNames()) {
			LastBackup last = new LastBackup();
			// Gauges hold their state weakly; this map keeps it alive as long as the bean.
			this.lastBackups.put(database, last);
			Gauge.builder("sqlite.backup.last.success.size", last, LastBackup::size)
				.description("Size of the newest successful backup")
				.baseUnit(BaseUnits.BYTES)
				.tag(DATABASE, database)
				.register(registry);
			Gauge.builder("sqlite.backup.last.success.time", last, LastBackup::epochSeconds)
				.description("When the newest successful backup was taken, in seconds since the epoch")
				.baseUnit("seconds")
				.tag(DATABASE, database)
				.register(registry);
			failureCounter("sqlite.backup.failures", database);
			failureCounter("sqlite.restore.failures", database);
		}
		readNewestBackups(template);
	}

	/**
	 * Reads each database's newest backup from the store on a thread of its own, which the
	 * application's start waits for only briefly: a local directory answers at once, while a slow
	 * bucket must not hold up the start. A backup taken meanwhile is newer and stays.
	 */
	private void readNewestBackups(SqliteBackupTemplate template) {
		Thread reader = new Thread(() -> {
			for (String database : template.getDatabaseNames()) {
				try {
					// A backup dated after now (the clock was set back) would read as taken in the future.
					FutureDatedBackups.datedBefore(template.list(database), Instant.now())
						.stream()
						.findFirst()
						.ifPresent(this.lastBackups.get(database)::update);
				}
				catch (RuntimeException ex) {
					// An unreadable store must not stop the application; the gauges fill in with the
					// next backup.
					logger.warn("Could not read the newest backup of database '{}': {}", database, ex.getMessage());
				}
			}
		}, "sqlite-backup-metrics");
		reader.setDaemon(true);
		reader.start();
		try {
			reader.join(STARTUP_WAIT.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void backupCompleted(Backup backup) {
		backupTimer(backup.database(), backup.trigger(), "success").record(backup.duration());
		LastBackup last = this.lastBackups.get(backup.database());
		if (last != null) {
			last.update(backup);
		}
	}

	@Override
	public void backupFailed(String database, BackupTrigger trigger, Duration elapsed, Exception failure) {
		backupTimer(database, trigger, "failure").record(elapsed);
		failureCounter("sqlite.backup.failures", database).increment();
	}

	@Override
	public void restoreCompleted(RestoreResult result) {
		restoreTimer(result.database(), "success").record(result.duration());
	}

	@Override
	public void restoreFailed(String database, String backupId, Duration elapsed, Exception failure) {
		restoreTimer(database, "failure").record(elapsed);
		failureCounter("sqlite.restore.failures", database).increment();
	}

	@Override
	public void drillCompleted(RestoreDrillResult result) {
		Timer.builder("sqlite.backup.drill")
			.description("Restore drills of SQLite databases")
			.tag(DATABASE, result.database())
			.tag("outcome", result.passed() ? "success" : "failure")
			.register(this.registry)
			.record(result.duration());
	}

	private Timer backupTimer(String database, BackupTrigger trigger, String outcome) {
		return Timer.builder("sqlite.backup")
			.description("Backups of SQLite databases")
			.tag(DATABASE, database)
			.tag("trigger", trigger.name().toLowerCase())
			.tag("outcome", outcome)
			.register(this.registry);
	}

	private Timer restoreTimer(String database, String outcome) {
		return Timer.builder("sqlite.restore")
			.description("Restores of SQLite databases")
			.tag(DATABASE, database)
			.tag("outcome", outcome)
			.register(this.registry);
	}

	private Counter failureCounter(String name, String database) {
		return Counter.builder(name).description("Failed attempts").tag(DATABASE, database).register(this.registry);
	}

	/** The newest successful backup of one database, as gauges read it. */
	private static final class LastBackup {

		private volatile double size = Double.NaN;

		private volatile double epochSeconds = Double.NaN;

		/** Keeps the newer of the two: the store's newest may arrive after a backup taken since. */
		synchronized void update(Backup backup) {
			double taken = backup.createdAt().toEpochMilli() / 1000.0;
			if (Double.isNaN(this.epochSeconds) || taken >= this.epochSeconds) {
				this.size = backup.sizeBytes();
				this.epochSeconds = taken;
			}
		}

		double size() {
			return this.size;
		}

		double epochSeconds() {
			return this.epochSeconds;
		}

	}

}
