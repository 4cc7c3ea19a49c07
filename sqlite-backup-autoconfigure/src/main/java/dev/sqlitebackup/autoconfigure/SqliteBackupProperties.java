package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;

import dev.sqlitebackup.VerifyMode;

/**
 * Configuration properties for SQLite backups.
 */
@ConfigurationProperties("sqlite.backup")
public class SqliteBackupProperties {

	/**
	 * Whether to enable SQLite backups.
	 */
	private boolean enabled = true;

	/**
	 * Directory where backups are kept, one sub-directory per database.
	 */
	private Path directory = Path.of("backups");

	/**
	 * Check run on every new backup before it counts as a backup.
	 */
	private VerifyMode verify = VerifyMode.QUICK;

	private final Schedule schedule = new Schedule();

	private final Retention retention = new Retention();

	private final Restore restore = new Restore();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Path getDirectory() {
		return this.directory;
	}

	public void setDirectory(Path directory) {
		this.directory = directory;
	}

	public VerifyMode getVerify() {
		return this.verify;
	}

	public void setVerify(VerifyMode verify) {
		this.verify = verify;
	}

	public Schedule getSchedule() {
		return this.schedule;
	}

	public Retention getRetention() {
		return this.retention;
	}

	public Restore getRestore() {
		return this.restore;
	}

	/**
	 * Scheduled backup job.
	 */
	public static class Schedule {

		/**
		 * Whether to take backups on a schedule.
		 */
		private boolean enabled = true;

		/**
		 * Cron expression of the backup job, in the server's time zone.
		 */
		private String cron = "0 0 * * * *";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getCron() {
			return this.cron;
		}

		public void setCron(String cron) {
			this.cron = cron;
		}

	}

	/**
	 * What pruning keeps.
	 */
	public static class Retention {

		/**
		 * Maximum number of backups to keep per database.
		 */
		private @Nullable Integer keepLast = 24;

		/**
		 * Maximum age of a backup before pruning deletes it.
		 */
		private @Nullable Duration maxAge;

		public @Nullable Integer getKeepLast() {
			return this.keepLast;
		}

		public void setKeepLast(@Nullable Integer keepLast) {
			this.keepLast = keepLast;
		}

		public @Nullable Duration getMaxAge() {
			return this.maxAge;
		}

		public void setMaxAge(@Nullable Duration maxAge) {
			this.maxAge = maxAge;
		}

	}

	/**
	 * Restores.
	 */
	public static class Restore {

		/**
		 * Whether the actuator endpoint may restore a backup over the live database.
		 */
		private boolean enabled;

		/**
		 * Whether a restore first backs up the state it replaces.
		 */
		private boolean safetyBackup = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public boolean isSafetyBackup() {
			return this.safetyBackup;
		}

		public void setSafetyBackup(boolean safetyBackup) {
			this.safetyBackup = safetyBackup;
		}

	}

}
