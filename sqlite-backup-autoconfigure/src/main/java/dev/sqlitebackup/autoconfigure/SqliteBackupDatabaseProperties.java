package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;

import org.jspecify.annotations.Nullable;

/** Settings of one database that override the shared ones ({@code sqlite.backup.databases.<name>.*}). */
public class SqliteBackupDatabaseProperties {

	/**
	 * Directory where backups of this database are kept, in a sub-directory named after it.
	 */
	private @Nullable Path directory;

	private final Schedule schedule = new Schedule();

	private final Continuous continuous = new Continuous();

	public Continuous getContinuous() {
		return this.continuous;
	}

	public @Nullable Path getDirectory() {
		return this.directory;
	}

	public void setDirectory(@Nullable Path directory) {
		this.directory = directory;
	}

	public Schedule getSchedule() {
		return this.schedule;
	}

	/**
	 * Continuous backup of one database.
	 */
	public static class Continuous {

		/**
		 * Whether to back up this database continuously.
		 */
		private @Nullable Boolean enabled;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Scheduled backup job of one database.
	 */
	public static class Schedule {

		/**
		 * Whether to take backups of this database on a schedule.
		 */
		private @Nullable Boolean enabled;

		/**
		 * Cron expression of this database's backup job, in the server's time zone.
		 */
		private @Nullable String cron;

		public @Nullable Boolean getEnabled() {
			return this.enabled;
		}

		public void setEnabled(@Nullable Boolean enabled) {
			this.enabled = enabled;
		}

		public @Nullable String getCron() {
			return this.cron;
		}

		public void setCron(@Nullable String cron) {
			this.cron = cron;
		}

	}

}
