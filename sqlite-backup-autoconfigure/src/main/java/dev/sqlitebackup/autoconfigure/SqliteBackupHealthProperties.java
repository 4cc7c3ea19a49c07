package dev.sqlitebackup.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** Health contributor ({@code sqlite.backup.health.*}). */
public class SqliteBackupHealthProperties {

	/**
	 * Age of the newest backup above which a database is reported down. Unset derives it from
	 * the schedule: twice the longest gap between two scheduled runs in the coming week.
	 */
	private @Nullable Duration maxAge;

	public @Nullable Duration getMaxAge() {
		return this.maxAge;
	}

	public void setMaxAge(@Nullable Duration maxAge) {
		this.maxAge = maxAge;
	}

}
