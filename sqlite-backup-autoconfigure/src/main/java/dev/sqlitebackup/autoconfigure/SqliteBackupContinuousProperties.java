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

	/**
	 * Merging of segments into larger blocks, so that a restore reads a bounded number of objects.
	 */
	private final Compaction compaction = new Compaction();

	public Compaction getCompaction() {
		return this.compaction;
	}

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


	/** Merging of continuous backup's segments into blocks of 30, 300, 3,600 and 86,400 segments. */
	public static class Compaction {

		/**
		 * Whether to merge segments into blocks in the background of each pass and thin out
		 * what blocks cover: segments stay an hour, 30-segment blocks a day, 300-segment blocks a
		 * week, larger ones as long as retention keeps their chain.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

}
