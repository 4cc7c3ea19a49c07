package dev.sqlitebackup.autoconfigure;

/**
 * Restores through the actuator endpoint, and on startup ({@code sqlite.backup.restore.*}).
 */
public class SqliteBackupRestoreProperties {

	/**
	 * Whether the actuator endpoint may restore a backup over the live database.
	 */
	private boolean enabled;

	/**
	 * Whether a restore first backs up the state it replaces.
	 */
	private boolean safetyBackup = true;

	/**
	 * Whether a successful restore clears the application's caches: every CacheManager's
	 * caches and the JPA second-level cache, which hold data read before the restore.
	 */
	private boolean evictCaches = true;

	/**
	 * When to restore a database from the store before the application opens it: never, or
	 * if-missing, when its file is missing or empty (an in-memory database: when it holds no
	 * table), as on a new machine whose disk was lost.
	 */
	private OnStartup onStartup = OnStartup.NEVER;

	/**
	 * Whether startup fails when a restore on startup cannot be done (store unreachable,
	 * restore failed); when false, the application starts with the database empty.
	 */
	private boolean onStartupRequired = true;

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

	public boolean isEvictCaches() {
		return this.evictCaches;
	}

	public void setEvictCaches(boolean evictCaches) {
		this.evictCaches = evictCaches;
	}

	public OnStartup getOnStartup() {
		return this.onStartup;
	}

	public void setOnStartup(OnStartup onStartup) {
		this.onStartup = onStartup;
	}

	public boolean isOnStartupRequired() {
		return this.onStartupRequired;
	}

	public void setOnStartupRequired(boolean onStartupRequired) {
		this.onStartupRequired = onStartupRequired;
	}

	/** When a database is restored from the store before the application opens it. */
	public enum OnStartup {

		/** Never: a missing database starts empty. */
		NEVER,

		/** When the database file is missing or empty, or an in-memory database holds no table. */
		IF_MISSING

	}

}
