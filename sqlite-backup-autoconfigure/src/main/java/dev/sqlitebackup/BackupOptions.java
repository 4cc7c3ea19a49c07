package dev.sqlitebackup;

import java.time.Duration;
import java.util.Objects;

import dev.sqlitebackup.codec.StoredForm;

/**
 * How the engine copies and checks: verification depth, safety backups, busy waits and copy step
 * size.
 *
 * @param verifyMode check run on every new backup
 * @param safetyBackup whether a restore first backs up the state it replaces
 * @param busyTimeout how long a copy waits for locks held by the application before it gives up
 * @param pagesPerStep pages copied between progress reports (the source snapshot is held across
 * steps, so this does not let writers restart the copy)
 * @param storedForm compression and encryption of new backups, and the keys to read old ones
 */
public record BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep,
		StoredForm storedForm) {

	/** Default step: 4096 pages, 16 MiB with SQLite's default page size. */
	public static final int DEFAULT_PAGES_PER_STEP = 4096;

	public BackupOptions {
		Objects.requireNonNull(verifyMode, "verifyMode");
		Objects.requireNonNull(storedForm, "storedForm");
		Objects.requireNonNull(busyTimeout, "busyTimeout");
		if (busyTimeout.isNegative()) {
			throw new IllegalArgumentException("busyTimeout must not be negative");
		}
		if (pagesPerStep == 0 || pagesPerStep < -1) {
			throw new IllegalArgumentException("pagesPerStep must be positive or -1 (all at once)");
		}
	}

	/** Options that store backups as plain SQLite files. */
	public BackupOptions(VerifyMode verifyMode, boolean safetyBackup, Duration busyTimeout, int pagesPerStep) {
		this(verifyMode, safetyBackup, busyTimeout, pagesPerStep, StoredForm.PLAIN);
	}

	/** Quick verification, safety backups on, 5 s busy timeout, default step. */
	public static BackupOptions defaults() {
		return new BackupOptions(VerifyMode.QUICK, true, Duration.ofSeconds(5), DEFAULT_PAGES_PER_STEP);
	}

	public BackupOptions withVerifyMode(VerifyMode verifyMode) {
		return new BackupOptions(verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep, this.storedForm);
	}

	public BackupOptions withSafetyBackup(boolean safetyBackup) {
		return new BackupOptions(this.verifyMode, safetyBackup, this.busyTimeout, this.pagesPerStep, this.storedForm);
	}

	public BackupOptions withBusyTimeout(Duration busyTimeout) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, busyTimeout, this.pagesPerStep, this.storedForm);
	}

	public BackupOptions withPagesPerStep(int pagesPerStep) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, pagesPerStep, this.storedForm);
	}

	public BackupOptions withStoredForm(StoredForm storedForm) {
		return new BackupOptions(this.verifyMode, this.safetyBackup, this.busyTimeout, this.pagesPerStep, storedForm);
	}

}
