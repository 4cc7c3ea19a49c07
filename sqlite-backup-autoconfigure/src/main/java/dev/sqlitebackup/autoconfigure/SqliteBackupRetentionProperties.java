package dev.sqlitebackup.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * What pruning keeps.
 */
public class SqliteBackupRetentionProperties {

	/**
	 * Number of the newest backups to keep per database, safety backups included. The newest
	 * verified backup is always kept. With keep-daily, keep-weekly or keep-monthly, a backup
	 * is kept when any of them keeps it.
	 */
	private @Nullable Integer keepLast = 24;

	/**
	 * Number of days (with a backup) for which to keep each day's newest backup, in the
	 * server's time zone. Unset keeps none for this reason.
	 */
	private @Nullable Integer keepDaily;

	/**
	 * Number of weeks (Monday to Sunday, with a backup) for which to keep each week's newest
	 * backup. Unset keeps none for this reason.
	 */
	private @Nullable Integer keepWeekly;

	/**
	 * Number of months (with a backup) for which to keep each month's newest backup. Unset
	 * keeps none for this reason.
	 */
	private @Nullable Integer keepMonthly;

	/**
	 * Maximum age of a backup before pruning deletes it, whatever else keeps it. Unset keeps
	 * backups regardless of age.
	 */
	private @Nullable Duration maxAge;

	public @Nullable Integer getKeepLast() {
		return this.keepLast;
	}

	public void setKeepLast(@Nullable Integer keepLast) {
		this.keepLast = keepLast;
	}

	public @Nullable Integer getKeepDaily() {
		return this.keepDaily;
	}

	public void setKeepDaily(@Nullable Integer keepDaily) {
		this.keepDaily = keepDaily;
	}

	public @Nullable Integer getKeepWeekly() {
		return this.keepWeekly;
	}

	public void setKeepWeekly(@Nullable Integer keepWeekly) {
		this.keepWeekly = keepWeekly;
	}

	public @Nullable Integer getKeepMonthly() {
		return this.keepMonthly;
	}

	public void setKeepMonthly(@Nullable Integer keepMonthly) {
		this.keepMonthly = keepMonthly;
	}

	public @Nullable Duration getMaxAge() {
		return this.maxAge;
	}

	public void setMaxAge(@Nullable Duration maxAge) {
		this.maxAge = maxAge;
	}

}
