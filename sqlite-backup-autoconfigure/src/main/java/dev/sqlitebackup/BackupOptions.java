package dev.sqlitebackup;

import java.time.Duration;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.codec.StoredForm;

/**
 * How the engine copies and checks: verification depth, safety backups, busy waits, copy step
 * size, an optional cap on the backup's write rate and the memory a rollback-journal copy may use
 * to keep writers waiting less, and the form backups are stored in.
 *
 * @param verifyMode check run on every new backup
 * @param safetyBackup whether a restore first backs up the state it replaces
 * @param busyTimeout how long a copy waits for locks held by the application before it gives up
 * @param pagesPerStep pages copied between progress reports (the source snapshot is held across
 * steps, so this does not let writers restart the copy)
 * @param maxBytesPerSecond cap on the rate a backup writes its copy to disk, or {@code 0} for
 * disk speed; it never lengthens the time a rollback-journal database is locked
 * @param memoryStagingLimit largest rollback-journal database (in bytes) that is first copied into
 * memory, so that writers wait only for a memory copy, provided the operating system reports twice
 * that much memory free; {@code 0} never uses memory
 * @param storedForm compression and encryption of new backups, and the keys to read old ones
 * @param syncInterval how often continuous backup runs a pass: a longer stretch without one is a
 * gap in the restore window, since commits made then carry no instant of their own
 * @param compaction the levels continuous backup merges its segments into
 * @param leaseDuration how long continuous backup's lease on the store lasts without renewal (it
 * is renewed every third of it); {@code null} to capture under the store's capture lock alone,
 * which keeps out processes that share the store's directory but not other machines
 */
public record BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep,
		long maxBytesPerSecond, long memoryStagingLimit, StoredForm storedForm, Duration syncInterval,
		CompactionLevels compaction, @Nullable Duration leaseDuration) {

	/** Default step: 4096 pages, 16 MiB with SQLite's default page size. */
	public static final int DEFAULT_PAGES_PER_STEP = 4096;

	/**
	 * Default write-rate cap: none. Every copy that holds no lock is already flushed step by step
	 * (see CopyPacer), which is what keeps writers' commits short: on 1 GiB in WAL mode with a
	 * writer committing 200 small transactions a second, the uncapped copy's worst commit was
	 * 13–14 ms in-process and the backup took 2.2 s; caps of 64, 128 and 256 MiB/s took
	 * 5.5–17.5 s and did not lower the worst commit measurably (11–20 ms, while other builds on
	 * the machine moved it to 28–81 ms in any mode). There is no knee to trade for on a disk like
	 * this one, so the default takes the shortest backup. A cap is for slower or shared disks
	 * where the write-back itself competes with the application (BENCHMARKS.md).
	 */
	public static final long DEFAULT_MAX_BYTES_PER_SECOND = 0;

	/**
	 * Default memory staging limit: 2 GiB, and in any case no more than half the memory the
	 * operating system reports free at the time. Measured on 1 GiB (BENCHMARKS.md), a writer
	 * waited 0.38–0.39× as long as behind a single-step copy straight to disk; the price is a temporary
	 * native allocation the size of the database, which the free-memory check keeps from
	 * pushing the host into swapping. {@code 0} restores the direct copy.
	 */
	public static final long DEFAULT_MEMORY_STAGING_LIMIT = 2L * 1024 * 1024 * 1024;

	/** Default interval of continuous backup's passes. */
	public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofSeconds(1);

	public BackupOptions {
		Objects.requireNonNull(verifyMode, "verifyMode");
		Objects.requireNonNull(busyTimeout, "busyTimeout");
		Objects.requireNonNull(storedForm, "storedForm");
		Objects.requireNonNull(syncInterval, "syncInterval");
		Objects.requireNonNull(compaction, "compaction");
		if (syncInterval.isNegative() || syncInterval.isZero()) {
			throw new IllegalArgumentException("syncInterval must be positive");
		}
		if (busyTimeout.isNegative()) {
			throw new IllegalArgumentException("busyTimeout must not be negative");
		}
		if (pagesPerStep == 0 || pagesPerStep < -1) {
			throw new IllegalArgumentException("pagesPerStep must be positive or -1 (all at once)");
		}
		if (maxBytesPerSecond < 0) {
			throw new IllegalArgumentException("maxBytesPerSecond must be positive or 0 (no cap)");
		}
		if (memoryStagingLimit < 0) {
			throw new IllegalArgumentException("memoryStagingLimit must be positive or 0 (never)");
		}
		if (leaseDuration != null && leaseDuration.compareTo(Duration.ofSeconds(3)) < 0) {
			throw new IllegalArgumentException("leaseDuration must be at least 3 s");
		}
	}

	/** Options whose continuous backup captures under the store's capture lock alone. */
	public BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep,
			long maxBytesPerSecond, long memoryStagingLimit, StoredForm storedForm, Duration syncInterval,
			CompactionLevels compaction) {
		this(verifyMode, safetyBackup, busyTimeout, pagesPerStep, maxBytesPerSecond, memoryStagingLimit, storedForm,
				syncInterval, compaction, null);
	}

	/** Options that store backups as plain SQLite files. */
	public BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep,
			long maxBytesPerSecond, long memoryStagingLimit) {
		this(verifyMode, safetyBackup, busyTimeout, pagesPerStep, maxBytesPerSecond, memoryStagingLimit,
				StoredForm.PLAIN, DEFAULT_SYNC_INTERVAL);
	}

	/** Options with the default compaction of continuous backup's segments. */
	public BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep,
			long maxBytesPerSecond, long memoryStagingLimit, StoredForm storedForm, Duration syncInterval) {
		this(verifyMode, safetyBackup, busyTimeout, pagesPerStep, maxBytesPerSecond, memoryStagingLimit, storedForm,
				syncInterval, CompactionLevels.DEFAULT);
	}

	/** Options with the default write-rate cap and memory staging limit, storing plain SQLite files. */
	public BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep) {
		this(verifyMode, safetyBackup, busyTimeout, pagesPerStep, DEFAULT_MAX_BYTES_PER_SECOND,
				DEFAULT_MEMORY_STAGING_LIMIT);
	}

	/** Quick verification, safety backups on, 5 s busy timeout, default step, no write-rate cap. */
	public static BackupOptions defaults() {
		return new BackupOptions(VerifyMode.QUICK, true, Duration.ofSeconds(5), DEFAULT_PAGES_PER_STEP);
	}

	public BackupOptions withVerifyMode(VerifyMode verifyMode) {
		return new BackupOptions(verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	public BackupOptions withSafetyBackup(boolean safetyBackup) {
		return new BackupOptions(this.verifyMode, safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	public BackupOptions withBusyTimeout(Duration busyTimeout) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	public BackupOptions withPagesPerStep(int pagesPerStep) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	/** These options with the backup's disk writes capped at this rate ({@code 0} for no cap). */
	public BackupOptions withMaxBytesPerSecond(long maxBytesPerSecond) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	/** These options with rollback-journal databases up to this size copied via memory ({@code 0}: never). */
	public BackupOptions withMemoryStagingLimit(long memoryStagingLimit) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	/** These options with new backups stored compressed and/or encrypted. */
	public BackupOptions withStoredForm(StoredForm storedForm) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, storedForm, this.syncInterval, this.compaction,
				this.leaseDuration);
	}

	/** These options with continuous backup running a pass at this interval. */
	public BackupOptions withSyncInterval(Duration syncInterval) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, syncInterval, this.compaction,
				this.leaseDuration);
	}

	/** These options with continuous backup's segments compacted at these levels. */
	public BackupOptions withCompaction(CompactionLevels compaction) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, compaction,
				this.leaseDuration);
	}

	/** These options with continuous backup holding a lease of this duration on the store ({@code null}: none). */
	public BackupOptions withLeaseDuration(@Nullable Duration leaseDuration) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep,
				this.maxBytesPerSecond, this.memoryStagingLimit, this.storedForm, this.syncInterval, this.compaction,
				leaseDuration);
	}

	/**
	 * The longest stretch between two successful passes that is not a gap: twice the interval, plus
	 * 2 s for a pass that ships a large transaction.
	 */
	public Duration maxPassSpacing() {
		return this.syncInterval.multipliedBy(2).plusSeconds(2);
	}

}
