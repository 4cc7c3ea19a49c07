package dev.sqlitebackup.autoconfigure;

import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.config.CronTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.scheduling.support.CronExpression;

import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Runs restore drills on their cron ({@code sqlite.backup.drill.cron}): every database in turn, on
 * a thread of its own, so that a drill never delays a scheduled backup's thread nor the
 * application's scheduling. A drill that meets another operation on its database waits a minute
 * and tries again, a few times; a drill that fails is reported (health, metrics, events) by the
 * template's listeners, never thrown.
 */
public class SqliteDrillScheduler implements ScheduledTaskHolder, SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(SqliteDrillScheduler.class);

	private static final int ATTEMPTS = 5;

	private static final long RETRY_MILLIS = 60_000;

	private final SqliteBackupTemplate template;

	private final CronTask task;

	private final Object monitor = new Object();

	private volatile long retryMillis = RETRY_MILLIS;

	private @Nullable PrivateCronScheduler scheduler;

	public SqliteDrillScheduler(SqliteBackupTemplate template, String cron) {
		if (!CronExpression.isValidExpression(cron)) {
			throw new IllegalArgumentException("Invalid cron expression '" + cron + "' in sqlite.backup.drill.cron");
		}
		this.template = template;
		this.task = new CronTask(this::drillEveryDatabase, cron);
	}

	/** Runs a drill of every database now, on the calling thread. */
	void drillEveryDatabase() {
		for (String database : this.template.getDatabaseNames().stream().sorted().toList()) {
			drill(database);
		}
	}

	private void drill(String database) {
		for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
			try {
				this.template.drill(database);
				return;
			}
			catch (OperationInProgressException ex) {
				logger.info("Restore drill of database '{}' waits: {}", database, ex.getMessage());
				if (!pause()) {
					return;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Restore drill of database '{}' could not run: {}", database, ex.getMessage());
				return;
			}
		}
		logger.warn("Restore drill of database '{}' skipped: other operations held it through {} attempts", database,
				ATTEMPTS);
	}

	private boolean pause() {
		try {
			Thread.sleep(this.retryMillis);
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	@Override
	public void start() {
		synchronized (this.monitor) {
			if (this.scheduler != null || this.template.getDatabaseNames().isEmpty()) {
				return;
			}
			// A drill touches only staging; shutdown need not wait for one.
			this.scheduler = PrivateCronScheduler.start("sqlite-backup-drill-", List.of(this.task), false);
			logger.info("Scheduled restore drills with cron '{}'", this.task.getExpression());
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
		return SqliteBackupScheduler.PHASE;
	}

	@Override
	public Set<ScheduledTask> getScheduledTasks() {
		synchronized (this.monitor) {
			return (this.scheduler != null) ? this.scheduler.scheduledTasks() : Set.of();
		}
	}

	/** For tests: how long a drill waits before it tries again. */
	void setRetryMillis(long retryMillis) {
		this.retryMillis = retryMillis;
	}

}
