package dev.sqlitebackup.autoconfigure;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.config.CronTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.scheduling.support.CronExpression;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.FutureDatedBackups;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.RetentionPolicy;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Runs the scheduled backup job: one cron task per database, each taking a backup and then
 * applying retention under one hold of the database.
 *
 * <p>
 * The job runs on a private single-thread scheduler that is not a bean, so the application's own
 * scheduling is left exactly as it was: no {@code @EnableScheduling}, no {@code TaskScheduler}
 * bean, and a long backup never delays the application's own {@code @Scheduled} methods (Boot's
 * scheduler has one thread by default). This class is a {@link ScheduledTaskHolder}, which is how
 * the actuator's {@code scheduledtasks} endpoint discovers tasks, so the job is listed there
 * whether or not the application enabled scheduling for itself.
 *
 * <p>
 * Runs never overlap: a cron task is rescheduled only after its run returned, and the single
 * thread runs one database at a time. A failed run is logged (by the engine, with its reason),
 * reported to the listeners (events, metrics, health), and the next run happens as planned.
 *
 * <p>
 * At start, a database whose newest backup is older than the last run its cron had due (the
 * application was not running then) is backed up at once, before the first planned run, unless
 * {@code sqlite.backup.schedule.catch-up} is off: a restart after downtime neither leaves the data
 * without a recent backup until the next planned run nor hides a backup that keeps failing.
 */
public class SqliteBackupScheduler implements ScheduledTaskHolder, SmartLifecycle {

	/**
	 * Lifecycle phase, below the web server's: the job starts before requests arrive and stops
	 * after the server stopped taking them.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupScheduler.class);

	private final SqliteBackupTemplate template;

	private final RetentionPolicy retention;

	private final List<CronTask> tasks = new ArrayList<>();

	private final List<CatchUp> catchUps = new ArrayList<>();

	private final boolean catchUp;

	private final Clock clock;

	private final Object monitor = new Object();

	private @Nullable PrivateCronScheduler scheduler;

	public SqliteBackupScheduler(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		this(template, properties, Clock.systemDefaultZone());
	}

	SqliteBackupScheduler(SqliteBackupTemplate template, SqliteBackupProperties properties, Clock clock) {
		this.template = template;
		this.clock = clock;
		this.catchUp = properties.getSchedule().isCatchUp();
		SqliteBackupRetentionProperties retention = properties.getRetention();
		// The server's zone, as for the cron expressions: "daily" means the days the job runs on.
		try {
			this.retention = new RetentionPolicy(retention.getKeepLast(), retention.getKeepDaily(),
					retention.getKeepWeekly(), retention.getKeepMonthly(), retention.getMaxAge(),
					ZoneId.systemDefault());
		}
		catch (IllegalArgumentException ex) {
			// The policy names the rule; the root cause of the startup failure should name the property.
			throw new IllegalArgumentException("Invalid sqlite.backup.retention.*: " + ex.getMessage());
		}
		for (String database : template.getDatabaseNames()) {
			if (properties.isScheduled(database)) {
				String cron = properties.cronOf(database);
				if (!CronExpression.isValidExpression(cron)) {
					throw new IllegalArgumentException(
							"Invalid cron expression '" + cron + "' for the backup job of database '" + database + "'");
				}
				BackupJob job = new BackupJob(database);
				this.tasks.add(new CronTask(job, cron));
				this.catchUps.add(new CatchUp(job, CronExpression.parse(cron)));
			}
		}
	}

	/** Retention applied after each successful scheduled backup. */
	public RetentionPolicy getRetention() {
		return this.retention;
	}

	@Override
	public void start() {
		synchronized (this.monitor) {
			if (this.scheduler != null || this.tasks.isEmpty()) {
				return;
			}
			// Shutting down must not interrupt a running copy (interrupted file channels close);
			// SqliteBackupLifecycle waits for it within the configured bound instead. Whatever a copy
			// that outlives that bound left is staging only, never listed, and removed at the next start.
			PrivateCronScheduler scheduler = PrivateCronScheduler.start("sqlite-backup-", this.tasks, true);
			this.scheduler = scheduler;
			this.tasks.forEach((task) -> logger.info("Scheduled backup job {} with cron '{}'", task.getRunnable(),
					task.getExpression()));
			if (this.catchUp) {
				// On the job's own thread: listing may be slow (a bucket), and a catch-up never
				// overlaps a planned run.
				this.catchUps.forEach(scheduler::execute);
			}
		}
	}

	@Override
	public void stop() {
		synchronized (this.monitor) {
			if (this.scheduler != null) {
				this.scheduler.stop();
				this.scheduler = null;
			}
		}
	}

	@Override
	public boolean isRunning() {
		synchronized (this.monitor) {
			return this.scheduler != null;
		}
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	@Override
	public Set<ScheduledTask> getScheduledTasks() {
		synchronized (this.monitor) {
			return (this.scheduler != null) ? this.scheduler.scheduledTasks() : Set.of();
		}
	}

	/** Takes the backup of a database that its cron had due while the application was not running. */
	private final class CatchUp implements Runnable {

		private final BackupJob job;

		private final CronExpression cron;

		private CatchUp(BackupJob job, CronExpression cron) {
			this.job = job;
			this.cron = cron;
		}

		@Override
		public void run() {
			SqliteBackupTemplate template = SqliteBackupScheduler.this.template;
			Clock clock = SqliteBackupScheduler.this.clock;
			Instant now = clock.instant();
			Optional<Backup> newest;
			try {
				List<Backup> backups = template.list(this.job.database)
					.stream()
					.filter(template.getAuthenticity()::counts)
					.toList();
				newest = FutureDatedBackups.datedBefore(backups, now).stream().findFirst();
			}
			catch (RuntimeException ex) {
				logger.warn("Cannot tell whether a scheduled backup of database '{}' was missed: {}; the next run "
						+ "happens as planned", this.job.database, ex.getMessage());
				return;
			}
			// A database that has never been backed up missed nothing; health counts from the start.
			if (newest.isEmpty()) {
				return;
			}
			ZonedDateTime due = this.cron.next(newest.get().createdAt().atZone(clock.getZone()));
			if (due == null || !due.toInstant().isBefore(now)) {
				return;
			}
			logger.info("Catching up the scheduled backup of database '{}' that was due at {} while the application "
					+ "was not running (newest backup: {})", this.job.database, due, newest.get().createdAt());
			this.job.run();
		}

	}

	/** One run of the job for one database. */
	private final class BackupJob implements Runnable {

		private final String database;

		private BackupJob(String database) {
			this.database = database;
		}

		@Override
		public void run() {
			try {
				SqliteBackupScheduler.this.template.backupAndPrune(this.database, BackupTrigger.SCHEDULED,
						SqliteBackupScheduler.this.retention);
			}
			catch (OperationInProgressException ex) {
				logger.warn("Scheduled backup of database '{}' skipped: {}", this.database, ex.getMessage());
			}
			catch (SqliteBackupException ex) {
				// The engine has logged the reason and told the listeners. Rethrown only so that the
				// scheduledtasks endpoint shows the run as failed; the scheduler's error handler
				// swallows it and the next run happens as planned.
				throw ex;
			}
			catch (RuntimeException ex) {
				logger.warn("Scheduled backup of database '{}' failed: {}", this.database, ex.toString(), ex);
				throw ex;
			}
		}

		@Override
		public String toString() {
			// The scheduledtasks endpoint shows this as the task's target.
			return SqliteBackupScheduler.class.getName() + ".backup(" + this.database + ")";
		}

	}

}
