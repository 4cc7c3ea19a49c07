package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * A store that sends each named database to a store of its own and the others to a default one.
 * <p>
 * An application with several databases may keep their backups in different places (with Spring
 * Boot, {@code sqlite.backup.databases.<name>.directory}); the engine works with one store, and
 * this keeps it that way.
 */
public final class PerDatabaseBackupStore implements BackupStore {

	private final BackupStore defaultStore;

	private final Map<String, BackupStore> stores;

	/**
	 * Creates a store.
	 * @param defaultStore the store of every database not named in {@code stores}
	 * @param stores the store of each database that has its own, by database name
	 */
	public PerDatabaseBackupStore(BackupStore defaultStore, Map<String, BackupStore> stores) {
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
	public Catalog catalog(String database) {
		return storeOf(database).catalog(database);
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
	public Optional<StoredBackupFile> openOtherCopy(Backup backup, String problem) throws IOException {
		return storeOf(backup.database()).openOtherCopy(backup, problem);
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
	public void cleanUpBeforeBackup(String database) throws IOException {
		storeOf(database).cleanUpBeforeBackup(database);
	}

	@Override
	public boolean keepsSegments(String database) {
		return storeOf(database).keepsSegments(database);
	}

	@Override
	public List<Segment> listSegments(String database) {
		return storeOf(database).listSegments(database);
	}

	@Override
	public Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
		return storeOf(segment.database()).publishSegment(stagingFile, segment);
	}

	@Override
	public StoredBackupFile openSegment(Segment segment) throws IOException {
		return storeOf(segment.database()).openSegment(segment);
	}

	@Override
	public void deleteSegment(Segment segment) throws IOException {
		storeOf(segment.database()).deleteSegment(segment);
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
	public Optional<StoreLock> tryCaptureLock(String database, String holder) throws IOException {
		return storeOf(database).tryCaptureLock(database, holder);
	}

	@Override
	public void publishChainHead(ChainHead head) throws IOException {
		storeOf(head.database()).publishChainHead(head);
	}

	@Override
	public Map<String, ChainHead> listChainHeads(String database) {
		return storeOf(database).listChainHeads(database);
	}

	@Override
	public Optional<ChainHead> findChainHead(String database, String chainId) {
		return storeOf(database).findChainHead(database, chainId);
	}

	@Override
	public boolean billsRequests(String database) {
		return storeOf(database).billsRequests(database);
	}

	@Override
	public void deleteChainHead(String database, String chainId) throws IOException {
		storeOf(database).deleteChainHead(database, chainId);
	}

	@Override
	public Optional<Segment> findSegment(String database, String chainId, long sequence) {
		return storeOf(database).findSegment(database, chainId, sequence);
	}

	@Override
	public Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		return storeOf(database).findBlock(database, chainId, level, from);
	}

	@Override
	public boolean chainHeadsComplete(String database) {
		return storeOf(database).chainHeadsComplete(database);
	}

	@Override
	public void markChainHeadsComplete(String database) throws IOException {
		storeOf(database).markChainHeadsComplete(database);
	}

	@Override
	public Optional<String> captureHolder(String database) {
		return storeOf(database).captureHolder(database);
	}

	@Override
	public boolean keepsLeases() {
		return this.defaultStore.keepsLeases() && this.stores.values().stream().allMatch(BackupStore::keepsLeases);
	}

	@Override
	public Optional<StoredLease> readLease(String database) throws IOException {
		return storeOf(database).readLease(database);
	}

	@Override
	public Optional<String> writeLease(String database, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		return storeOf(database).writeLease(database, lease, expectedVersion);
	}

	@Override
	public List<String> databaseNames() {
		java.util.SortedSet<String> names = new java.util.TreeSet<>(this.defaultStore.databaseNames());
		this.stores.forEach((database, store) -> {
			if (store.databaseNames().contains(database)) {
				names.add(database);
			}
		});
		return List.copyOf(names);
	}

	@Override
	public BackupStore disasterCopy(String database) {
		return storeOf(database).disasterCopy(database);
	}

	@Override
	public String describe() {
		Set<String> descriptions = new LinkedHashSet<>();
		descriptions.add(this.defaultStore.describe());
		this.stores.values().forEach((store) -> descriptions.add(store.describe()));
		return String.join(", ", descriptions);
	}

}
