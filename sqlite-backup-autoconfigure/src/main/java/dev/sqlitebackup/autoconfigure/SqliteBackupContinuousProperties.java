package dev.sqlitebackup.autoconfigure;

import java.time.Duration;

/**
 * Continuous backup: every committed transaction of a WAL-mode file database shipped to the
 * store within the sync interval, for restores to the latest state or to a point in time.
 */
public class SqliteBackupContinuousProperties {

	/**
	 * Whether to ship every committed transaction continuously. Startup fails for a database
	 * that cannot be covered (rollback journal, in memory) unless it opts out.
	 */
	private boolean enabled;

	/**
	 * How often newly committed transactions are shipped.
	 */
	private Duration syncInterval = Duration.ofSeconds(1);

	/**
	 * How long ago the last successful pass may be before health reports the database down
	 * (counted from the start until a first pass succeeded). Every transaction committed before
	 * that pass is in the store, so this bounds what a crash now would lose.
	 */
	private Duration maxLag = Duration.ofMinutes(1);

	public Duration getMaxLag() {
		return this.maxLag;
	}

	public void setMaxLag(Duration maxLag) {
		this.maxLag = maxLag;
	}

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getSyncInterval() {
		return this.syncInterval;
	}

	public void setSyncInterval(Duration syncInterval) {
		this.syncInterval = syncInterval;
	}

}
