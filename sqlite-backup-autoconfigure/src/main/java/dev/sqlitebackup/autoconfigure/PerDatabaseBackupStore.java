package dev.sqlitebackup.autoconfigure;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * Sends each database to its own store, so that an application with several databases can keep
 * their backups in different places ({@code sqlite.backup.databases.<name>.directory}); the
 * others share the default store. The engine works with one store, this keeps it that way.
 */
final class PerDatabaseBackupStore implements BackupStore {

	private final BackupStore defaultStore;

	private final Map<String, BackupStore> stores;

	PerDatabaseBackupStore(BackupStore defaultStore, Map<String, BackupStore> stores) {
		this.defaultStore = defaultStore;
		this.stores = Map.copyOf(stores);
	}

	private BackupStore storeOf(String database) {
		return this.stores.getOrDefault(database, this.defaultStore);
	}

	@Override
	public List<Backup> list(String database) {
		return storeOf(database).list(database);
	}

	@Override
	public Optional<Backup> find(String database, String backupId) {
		return storeOf(database).find(database, backupId);
	}

	@Override
	public StagingFile newStagingFile(String database, String name) throws IOException {
		return storeOf(database).newStagingFile(database, name);
	}

	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		return storeOf(backup.database()).publish(stagingFile, backup);
	}

	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		return storeOf(backup.database()).open(backup);
	}

	@Override
	public void delete(Backup backup) throws IOException {
		storeOf(backup.database()).delete(backup);
	}

	@Override
	public void cleanUp(String database) throws IOException {
		storeOf(database).cleanUp(database);
	}

	@Override
	public Map<String, List<String>> locations(String database) {
		return storeOf(database).locations(database);
	}

	@Override
	public Optional<StoreLock> tryLock(String database) throws IOException {
		return storeOf(database).tryLock(database);
	}

	@Override
	public String describe() {
		Set<String> descriptions = new LinkedHashSet<>();
		descriptions.add(this.defaultStore.describe());
		this.stores.values().forEach((store) -> descriptions.add(store.describe()));
		return String.join(", ", descriptions);
	}

}
