package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.BackupStoreException;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * Keeps the newest backups of each database in a local store and a copy of every backup in an
 * off-site store (object storage, say): restores of recent backups are local and fast, and the
 * history survives the loss of the machine.
 * <p>
 * A backup is published locally first and then copied off-site in the same call. When the copy
 * fails the local backup stays (it is complete and verified) and {@link #publish} says so with an
 * {@link BackupStoreException}; every later publish first copies whatever local backup the off-site
 * store still lacks. A local copy is removed only once the off-site store lists it. Safety backups
 * that a restore takes are published locally only, so that a restore from a local copy works while
 * the off-site store is unreachable; the next backup copies them.
 * <p>
 * Continuous backup's segments and chain heads go to the off-site store only: they are small, a
 * restore of a recent point reads the newest snapshot locally and the segments after it from
 * there, and a machine that is lost takes nothing with it that the off-site store lacks. While the
 * off-site store is unreachable the frames wait in the WAL, held by the capture.
 */
public class OffsiteCopyBackupStore implements BackupStore, AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(OffsiteCopyBackupStore.class);

	private final BackupStore local;

	private final BackupStore offsite;

	private final int keepLocal;

	/** Databases whose off-site store is due a clean-up, done before the next copy there. */
	private final Set<String> offsiteCleanUpsDue = ConcurrentHashMap.newKeySet();

	/**
	 * A store that keeps backups in two places.
	 * @param local where the newest backups are kept and every backup is staged
	 * @param offsite where every backup is copied
	 * @param keepLocal how many of each database's newest backups stay in the local store, at least 1
	 */
	public OffsiteCopyBackupStore(BackupStore local, BackupStore offsite, int keepLocal) {
		this.local = Objects.requireNonNull(local, "local");
		this.offsite = Objects.requireNonNull(offsite, "offsite");
		if (keepLocal < 1) {
			throw new IllegalArgumentException("keepLocal must be at least 1, not " + keepLocal);
		}
		this.keepLocal = keepLocal;
	}

	/**
	 * Every backup in either store, newest first. A backup kept in both is listed once. Fails when
	 * either store cannot be listed, rather than show a history with holes in it.
	 */
	@Override
	public List<Backup> list(String database) {
		Map<String, Backup> backups = new LinkedHashMap<>();
		this.local.list(database).forEach((backup) -> backups.put(backup.id(), backup));
		this.offsite.list(database).forEach((backup) -> backups.putIfAbsent(backup.id(), backup));
		List<Backup> all = new ArrayList<>(backups.values());
		all.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		return all;
	}

	/** Each backup with the local store's places first, then the off-site store's. */
	@Override
	public Map<String, List<String>> locations(String database) {
		return catalog(database).locations();
	}

	/** Both stores listed once each: the union of their backups, each with every place it is kept in. */
	@Override
	public Catalog catalog(String database) {
		Catalog local = this.local.catalog(database);
		Catalog offsite = this.offsite.catalog(database);
		Map<String, Backup> backups = new LinkedHashMap<>();
		local.backups().forEach((backup) -> backups.put(backup.id(), backup));
		offsite.backups().forEach((backup) -> backups.putIfAbsent(backup.id(), backup));
		List<Backup> all = new ArrayList<>(backups.values());
		all.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		Map<String, List<String>> locations = new LinkedHashMap<>();
		local.locations().forEach((id, places) -> locations.put(id, new ArrayList<>(places)));
		offsite.locations()
			.forEach((id, places) -> locations.computeIfAbsent(id, (key) -> new ArrayList<>()).addAll(places));
		locations.replaceAll((id, places) -> List.copyOf(places));
		return new Catalog(all, locations);
	}

	/** Looks locally first, so that finding a recent backup does not need the off-site store. */
	@Override
	public Optional<Backup> find(String database, String backupId) {
		Optional<Backup> local = this.local.find(database, backupId);
		return local.isPresent() ? local : this.offsite.find(database, backupId);
	}

	@Override
	public StagingFile newStagingFile(String database, String name) throws IOException {
		return this.local.newStagingFile(database, name);
	}

	/**
	 * Publishes locally, then (unless it is a safety backup) cleans up the off-site store if a
	 * clean-up is due and copies there what it lacks: however slow the bucket, the local backup is
	 * complete first.
	 */
	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		Backup published = this.local.publish(stagingFile, backup);
		if (!backup.isSafetyBackup()) {
			cleanUpOffsiteIfDue(published);
			List<Backup> localBackups = this.local.list(backup.database());
			Set<String> offsiteIds = copyMissingOffsite(localBackups, published);
			removeLocalCopiesBeyondKeepLocal(localBackups, offsiteIds);
		}
		return published;
	}

	/**
	 * Copies, oldest first, every local backup that the off-site store lacks.
	 * @return the ids the off-site store holds now
	 */
	private Set<String> copyMissingOffsite(List<Backup> localBackups, Backup published) throws BackupStoreException {
		Set<String> offsiteIds;
		try {
			offsiteIds = this.offsite.list(published.database())
				.stream()
				.map(Backup::id)
				.collect(Collectors.toCollection(HashSet::new));
		}
		catch (RuntimeException ex) {
			throw copyFailed(published, ex);
		}
		List<Backup> missing = new ArrayList<>(localBackups);
		missing.removeIf((backup) -> offsiteIds.contains(backup.id()));
		missing.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id));
		for (Backup backup : missing) {
			try {
				copyOffsite(backup);
			}
			catch (IOException | RuntimeException ex) {
				throw copyFailed(published, ex);
			}
			offsiteIds.add(backup.id());
			if (!backup.id().equals(published.id())) {
				logger.info("Copied backup {} of database '{}' to {}, which an earlier backup could not do",
						backup.id(), backup.database(), this.offsite.describe());
			}
		}
		return offsiteIds;
	}

	private void copyOffsite(Backup backup) throws IOException {
		try (StagingFile upload = this.offsite.newStagingFile(backup.database(), backup.id() + "-offsite");
				StoredBackupFile file = this.local.open(backup)) {
			linkOrCopy(file.path(), upload.path());
			this.offsite.publish(upload.path(), backup);
		}
	}

	/** A hard link costs neither time nor space; a copy is the fallback across file systems. */
	private static void linkOrCopy(Path source, Path target) throws IOException {
		try {
			Files.createLink(target, source);
		}
		catch (FileSystemException | UnsupportedOperationException ex) {
			Files.copy(source, target);
		}
	}

	private BackupStoreException copyFailed(Backup published, Exception cause) {
		return new BackupStoreException("Backup " + published.id() + " of database '" + published.database()
				+ "' is kept in " + this.local.describe() + " but is not off-site: copying it to "
				+ this.offsite.describe() + " failed: " + cause.getMessage() + "; the next backup tries again", cause);
	}

	/** Removes local copies beyond the newest {@code keepLocal}, but only those the off-site store has. */
	private void removeLocalCopiesBeyondKeepLocal(List<Backup> localBackups, Set<String> offsiteIds) {
		for (Backup backup : localBackups.subList(Math.min(this.keepLocal, localBackups.size()), localBackups.size())) {
			if (offsiteIds.contains(backup.id())) {
				try {
					this.local.delete(backup);
				}
				catch (IOException ex) {
					logger.warn("Could not remove the local copy of backup {} of database '{}': {}", backup.id(),
							backup.database(), ex.getMessage());
				}
			}
		}
	}

	/** Opens the local copy when there is one, and downloads the off-site copy otherwise. */
	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		if (this.local.find(backup.database(), backup.id()).isPresent()) {
			return this.local.open(backup);
		}
		return this.offsite.open(backup);
	}

	/** The off-site copy, when the local one was opened first and failed its check. */
	@Override
	public Optional<StoredBackupFile> openOtherCopy(Backup backup, String problem) throws IOException {
		if (this.local.find(backup.database(), backup.id()).isEmpty()
				|| this.offsite.find(backup.database(), backup.id()).isEmpty()) {
			return Optional.empty();
		}
		logger.warn("The copy of backup {} of database '{}' in {} failed its check ({}); using the copy in {}",
				backup.id(), backup.database(), this.local.describe(), problem, this.offsite.describe());
		return Optional.of(this.offsite.open(backup));
	}

	/**
	 * Deletes the local copy first: a crash before the off-site copy is deleted leaves a backup
	 * that the next prune deletes, while the other order could leave a local copy that the next
	 * backup would copy off-site again.
	 */
	@Override
	public void delete(Backup backup) throws IOException {
		this.local.delete(backup);
		this.offsite.delete(backup);
	}

	/**
	 * Cleans up the local store, then the off-site one. An unreachable off-site store must not stop
	 * local backups, so its clean-up only logs why it failed; the next off-site copy tries again.
	 */
	@Override
	public void cleanUp(String database) throws IOException {
		this.local.cleanUp(database);
		try {
			this.offsite.cleanUp(database);
			this.offsiteCleanUpsDue.remove(database);
		}
		catch (IOException | RuntimeException ex) {
			this.offsiteCleanUpsDue.add(database);
			logger.warn("Could not clean up {} for database '{}': {}", this.offsite.describe(), database,
					ex.getMessage());
		}
	}

	/**
	 * Cleans up the local store now, and the off-site one at this backup's off-site copy, after the
	 * local copy is published: a slow or unreachable bucket must not hold up local backups.
	 */
	@Override
	public void cleanUpBeforeBackup(String database) throws IOException {
		this.local.cleanUp(database);
		this.offsiteCleanUpsDue.add(database);
	}

	private void cleanUpOffsiteIfDue(Backup published) throws BackupStoreException {
		if (!this.offsiteCleanUpsDue.remove(published.database())) {
			return;
		}
		try {
			this.offsite.cleanUp(published.database());
		}
		catch (IOException | RuntimeException ex) {
			this.offsiteCleanUpsDue.add(published.database());
			throw copyFailed(published, ex);
		}
	}

	/** The lease lives in the bucket, where every instance's captures meet. */
	@Override
	public boolean keepsLeases() {
		return this.offsite.keepsLeases();
	}

	@Override
	public Optional<StoredLease> readLease(String database) throws IOException {
		return this.offsite.readLease(database);
	}

	@Override
	public Optional<String> writeLease(String database, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		return this.offsite.writeLease(database, lease, expectedVersion);
	}

	@Override
	public List<String> databaseNames() {
		java.util.SortedSet<String> names = new java.util.TreeSet<>(this.offsite.databaseNames());
		names.addAll(this.local.databaseNames());
		return List.copyOf(names);
	}

	/** The bucket: it holds every backup, and it is what is left when the machine is lost. */
	@Override
	public BackupStore disasterCopy(String database) {
		return this.offsite.disasterCopy(database);
	}

	@Override
	public String describe() {
		return this.local.describe() + " (newest " + this.keepLocal + ") and " + this.offsite.describe();
	}

	/** The local store's lock, whose directory the off-site store stages in as well. */
	@Override
	public Optional<StoreLock> tryLock(String database) throws IOException {
		return this.local.tryLock(database);
	}

	@Override
	public Optional<StoreLock> tryCaptureLock(String database, String holder) throws IOException {
		return this.local.tryCaptureLock(database, holder);
	}

	@Override
	public Optional<String> captureHolder(String database) {
		return this.local.captureHolder(database);
	}

	@Override
	public boolean keepsSegments(String database) {
		return this.offsite.keepsSegments(database);
	}

	@Override
	public List<Segment> listSegments(String database) {
		return this.offsite.listSegments(database);
	}

	@Override
	public Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
		return this.offsite.publishSegment(stagingFile, segment);
	}

	@Override
	public StoredBackupFile openSegment(Segment segment) throws IOException {
		return this.offsite.openSegment(segment);
	}

	@Override
	public Optional<Segment> findSegment(String database, String chainId, long sequence) {
		return this.offsite.findSegment(database, chainId, sequence);
	}

	@Override
	public Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		return this.offsite.findBlock(database, chainId, level, from);
	}

	@Override
	public void deleteSegment(Segment segment) throws IOException {
		this.offsite.deleteSegment(segment);
	}

	@Override
	public void publishChainHead(ChainHead head) throws IOException {
		this.offsite.publishChainHead(head);
	}

	@Override
	public Map<String, ChainHead> listChainHeads(String database) {
		return this.offsite.listChainHeads(database);
	}

	@Override
	public Optional<ChainHead> findChainHead(String database, String chainId) {
		return this.offsite.findChainHead(database, chainId);
	}

	@Override
	public void deleteChainHead(String database, String chainId) throws IOException {
		this.offsite.deleteChainHead(database, chainId);
	}

	@Override
	public boolean chainHeadsComplete(String database) {
		return this.offsite.chainHeadsComplete(database);
	}

	@Override
	public void markChainHeadsComplete(String database) throws IOException {
		this.offsite.markChainHeadsComplete(database);
	}

	@Override
	public boolean billsRequests(String database) {
		return this.offsite.billsRequests(database);
	}

	/** Closes either store that holds resources, such as an S3 client. */
	@Override
	public void close() throws Exception {
		try {
			if (this.local instanceof AutoCloseable closeable) {
				closeable.close();
			}
		}
		finally {
			if (this.offsite instanceof AutoCloseable closeable) {
				closeable.close();
			}
		}
	}

}
