package dev.sqlitebackup.autoconfigure;

import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.config.CronTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * Cron tasks on a private single-thread scheduler that is not a bean, so that the application's
 * own scheduling is left exactly as it was (no {@code @EnableScheduling}, no {@code TaskScheduler}
 * bean), and a long run never delays the application's {@code @Scheduled} methods. Its thread is a
 * daemon: a run that outlives the shutdown bound must not keep the JVM alive.
 */
final class PrivateCronScheduler {

	private static final Logger logger = LoggerFactory.getLogger(PrivateCronScheduler.class);

	private final ThreadPoolTaskScheduler scheduler;

	private final ScheduledTaskRegistrar registrar;

	private PrivateCronScheduler(ThreadPoolTaskScheduler scheduler, ScheduledTaskRegistrar registrar) {
		this.scheduler = scheduler;
		this.registrar = registrar;
	}

	/**
	 * Starts the tasks.
	 * @param threadNamePrefix prefix of the thread's name
	 * @param waitForRunOnShutdown whether shutting down lets a running task finish rather than interrupt it
	 */
	static PrivateCronScheduler start(String threadNamePrefix, List<CronTask> tasks, boolean waitForRunOnShutdown) {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setPoolSize(1);
		scheduler.setThreadNamePrefix(threadNamePrefix);
		scheduler.setDaemon(true);
		scheduler.setWaitForTasksToCompleteOnShutdown(waitForRunOnShutdown);
		// Failures are logged by the tasks already; the default handler would log them again.
		scheduler.setErrorHandler((failure) -> logger.debug("Scheduled task failed", failure));
		scheduler.initialize();
		ScheduledTaskRegistrar registrar = new ScheduledTaskRegistrar();
		registrar.setTaskScheduler(scheduler);
		registrar.setCronTasksList(tasks);
		registrar.afterPropertiesSet();
		return new PrivateCronScheduler(scheduler, registrar);
	}

	/** Runs a task once on the scheduler's thread, never overlapping a planned run. */
	void execute(Runnable task) {
		this.scheduler.execute(task);
	}

	Set<ScheduledTask> scheduledTasks() {
		return this.registrar.getScheduledTasks();
	}

	/** Cancels the planned runs (not destroy(): a running one is left to finish) and shuts the thread down. */
	void stop() {
		this.registrar.getScheduledTasks().forEach((task) -> task.cancel(false));
		this.scheduler.shutdown();
	}

}
