package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.codec.BackupCodec;

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
	 * Directory where backups are kept, one sub-directory per database. A relative path is
	 * resolved against the working directory. When not set, "backups" beside the first database
	 * file, or ".sqlite-backup/<spring.application.name>" in the user's home directory when every
	 * database is in memory.
	 */
	private @Nullable Path directory;

	/**
	 * Whether to create the folder of each SQLite database file before the application's pool
	 * opens it.
	 */
	private boolean createDirectories = true;

	/**
	 * Check run on every new backup before it counts as a backup.
	 */
	private VerifyMode verify = VerifyMode.QUICK;

	/**
	 * Compression of new backups: "none" keeps them plain SQLite files, "gzip" uses the JDK,
	 * "zstd" needs com.github.luben:zstd-jni. Backups are restored whatever they were stored with.
	 */
	private BackupCodec compression = BackupCodec.NONE;

	/**
	 * How long a copy waits for locks held by the application before it gives up.
	 */
	private Duration busyTimeout = Duration.ofSeconds(5);

	/**
	 * Cap on the rate a backup writes its copy to disk, for applications whose writers are more
	 * sensitive to latency than the backup is to time. Unlimited when not set.
	 */
	private @Nullable DataSize maxWriteRate;

	/**
	 * Largest rollback-journal database that is first copied into memory so that writers wait
	 * only for that copy; used only while twice as much memory is free. 0 never uses memory.
	 */
	private DataSize memoryStagingLimit = DataSize.ofBytes(BackupOptions.DEFAULT_MEMORY_STAGING_LIMIT);

	/**
	 * How long application shutdown waits for a running backup or restore to finish.
	 */
	private Duration shutdownTimeout = Duration.ofSeconds(30);

	@NestedConfigurationProperty
	private final SqliteBackupScheduleProperties schedule = new SqliteBackupScheduleProperties();

	@NestedConfigurationProperty
	private final SqliteBackupRetentionProperties retention = new SqliteBackupRetentionProperties();

	@NestedConfigurationProperty
	private final SqliteBackupDrillProperties drill = new SqliteBackupDrillProperties();

	@NestedConfigurationProperty
	private final SqliteBackupLeaseProperties lease = new SqliteBackupLeaseProperties();

	@NestedConfigurationProperty
	private final SqliteBackupRestoreProperties restore = new SqliteBackupRestoreProperties();

	@NestedConfigurationProperty
	private final SqliteBackupHealthProperties health = new SqliteBackupHealthProperties();

	@NestedConfigurationProperty
	private final SqliteBackupEncryptionProperties encryption = new SqliteBackupEncryptionProperties();

	@NestedConfigurationProperty
	private final SqliteBackupS3Properties s3 = new SqliteBackupS3Properties();

	@NestedConfigurationProperty
	private final SqliteBackupContinuousProperties continuous = new SqliteBackupContinuousProperties();

	/**
	 * Per-database settings, keyed by database name (the DataSource bean name), that override the
	 * shared ones: "directory", "schedule.enabled", "schedule.cron" and "continuous.enabled".
	 */
	private final Map<String, SqliteBackupDatabaseProperties> databases = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public @Nullable Path getDirectory() {
		return this.directory;
	}

	public void setDirectory(@Nullable Path directory) {
		this.directory = directory;
	}

	public boolean isCreateDirectories() {
		return this.createDirectories;
	}

	public void setCreateDirectories(boolean createDirectories) {
		this.createDirectories = createDirectories;
	}

	public VerifyMode getVerify() {
		return this.verify;
	}

	public void setVerify(VerifyMode verify) {
		this.verify = verify;
	}

	public BackupCodec getCompression() {
		return this.compression;
	}

	public void setCompression(BackupCodec compression) {
		this.compression = compression;
	}

	public @Nullable DataSize getMaxWriteRate() {
		return this.maxWriteRate;
	}

	public void setMaxWriteRate(@Nullable DataSize maxWriteRate) {
		this.maxWriteRate = maxWriteRate;
	}

	public DataSize getMemoryStagingLimit() {
		return this.memoryStagingLimit;
	}

	public void setMemoryStagingLimit(DataSize memoryStagingLimit) {
		this.memoryStagingLimit = memoryStagingLimit;
	}

	public Duration getBusyTimeout() {
		return this.busyTimeout;
	}

	public void setBusyTimeout(Duration busyTimeout) {
		this.busyTimeout = busyTimeout;
	}

	public Duration getShutdownTimeout() {
		return this.shutdownTimeout;
	}

	public void setShutdownTimeout(Duration shutdownTimeout) {
		this.shutdownTimeout = shutdownTimeout;
	}

	public SqliteBackupScheduleProperties getSchedule() {
		return this.schedule;
	}

	public SqliteBackupRetentionProperties getRetention() {
		return this.retention;
	}

	public SqliteBackupRestoreProperties getRestore() {
		return this.restore;
	}

	public SqliteBackupDrillProperties getDrill() {
		return this.drill;
	}

	public SqliteBackupLeaseProperties getLease() {
		return this.lease;
	}

	/**
	 * The lease duration continuous backup holds on the store, or {@code null} when it takes none:
	 * leases are off, or no database is captured.
	 */
	public @Nullable Duration leaseDuration(Collection<String> databases) {
		Boolean enabled = this.lease.getEnabled();
		boolean captured = databases.stream().anyMatch(this::isContinuous);
		return (captured && (enabled == null || enabled)) ? this.lease.getDuration() : null;
	}

	public SqliteBackupS3Properties getS3() {
		return this.s3;
	}

	public SqliteBackupEncryptionProperties getEncryption() {
		return this.encryption;
	}

	public SqliteBackupHealthProperties getHealth() {
		return this.health;
	}

	public Map<String, SqliteBackupDatabaseProperties> getDatabases() {
		return this.databases;
	}

	public SqliteBackupContinuousProperties getContinuous() {
		return this.continuous;
	}

	/**
	 * Whether a database is backed up continuously: its override, else the shared setting.
	 */
	public boolean isContinuous(String database) {
		SqliteBackupDatabaseProperties overrides = this.databases.get(database);
		Boolean enabled = (overrides != null) ? overrides.getContinuous().getEnabled() : null;
		return (enabled != null) ? enabled : this.continuous.isEnabled();
	}

	/**
	 * Directory that backups of a database are kept in: its override, else the shared one, else
	 * {@code null} for the default location.
	 */
	public @Nullable Path directoryOf(String database) {
		SqliteBackupDatabaseProperties overrides = this.databases.get(database);
		return (overrides != null && overrides.getDirectory() != null) ? overrides.getDirectory() : this.directory;
	}

	/**
	 * Whether a database is backed up on a schedule: its override, else the shared setting.
	 */
	public boolean isScheduled(String database) {
		SqliteBackupDatabaseProperties overrides = this.databases.get(database);
		Boolean enabled = (overrides != null) ? overrides.getSchedule().getEnabled() : null;
		return (enabled != null) ? enabled : this.schedule.isEnabled();
	}

	/**
	 * Cron expression of a database's scheduled backup: its override, else the shared one.
	 */
	public String cronOf(String database) {
		SqliteBackupDatabaseProperties overrides = this.databases.get(database);
		String cron = (overrides != null) ? overrides.getSchedule().getCron() : null;
		return (cron != null) ? cron : this.schedule.getCron();
	}

}
