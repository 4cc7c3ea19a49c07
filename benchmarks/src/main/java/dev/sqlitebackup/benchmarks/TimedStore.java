package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;

/**
 * A store that times what it is asked to do with the bytes: {@link #publish} (for S3 the upload)
 * and {@link #open} (for S3 the download). Everything else is passed through untimed.
 */
final class TimedStore implements BackupStore {

	private final BackupStore store;

	private volatile double lastPublishSeconds;

	private volatile double lastOpenSeconds;

	TimedStore(BackupStore store) {
		this.store = store;
	}

	/** Seconds the last publish took. */
	double lastPublishSeconds() {
		return this.lastPublishSeconds;
	}

	/** Seconds the last open took, until the backup was readable as a local file. */
	double lastOpenSeconds() {
		return this.lastOpenSeconds;
	}

	@Override
	public List<Backup> list(String database) {
		return this.store.list(database);
	}

	@Override
	public StagingFile newStagingFile(String database, String backupId) throws IOException {
		return this.store.newStagingFile(database, backupId);
	}

	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		long started = System.nanoTime();
		Backup published = this.store.publish(stagingFile, backup);
		this.lastPublishSeconds = (System.nanoTime() - started) / 1e9;
		return published;
	}

	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		long started = System.nanoTime();
		StoredBackupFile file = this.store.open(backup);
		this.lastOpenSeconds = (System.nanoTime() - started) / 1e9;
		return file;
	}

	@Override
	public void delete(Backup backup) throws IOException {
		this.store.delete(backup);
	}

	@Override
	public void cleanUp(String database) throws IOException {
		this.store.cleanUp(database);
	}

	@Override
	public String describe() {
		return this.store.describe();
	}

	@Override
	public Optional<StoreLock> tryLock(String database) throws IOException {
		return this.store.tryLock(database);
	}

}
