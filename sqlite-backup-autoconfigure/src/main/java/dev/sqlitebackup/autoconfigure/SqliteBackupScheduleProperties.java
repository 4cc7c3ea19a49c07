package dev.sqlitebackup.autoconfigure;

/** Scheduled backup job ({@code sqlite.backup.schedule.*}). */
public class SqliteBackupScheduleProperties {

	/**
	 * Whether to take backups on a schedule.
	 */
	private boolean enabled = true;

	/**
	 * Cron expression of the backup job (six fields, seconds first), in the server's time
	 * zone.
	 */
	private String cron = "0 0 * * * *";

	/**
	 * Whether to take a backup at startup when a scheduled run was due while the application
	 * was not running.
	 */
	private boolean catchUp = true;

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

	public boolean isCatchUp() {
		return this.catchUp;
	}

	public void setCatchUp(boolean catchUp) {
		this.catchUp = catchUp;
	}

}
