package dev.sqlitebackup.autoconfigure;

/** Restore drills ({@code sqlite.backup.drill.*}): the newest backup restored and checked on a schedule. */
public class SqliteBackupDrillProperties {

	/**
	 * Whether to run restore drills on a schedule: the newest backup (with continuous backup, the
	 * latest captured point) is read back from the store, restored into a scratch copy, checked
	 * in full and deleted.
	 */
	private boolean enabled = true;

	/**
	 * Cron expression of the drills (six fields, seconds first), in the server's time zone.
	 */
	private String cron = "0 30 4 * * *";

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
