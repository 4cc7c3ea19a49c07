package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;


/**
 * Where published backups live. The engine copies and verifies a backup in a staging file the store
 * hands out, then asks the store to publish it; only published backups with a manifest are ever
 * listed. Implementations must make a partial backup invisible, whatever point a crash hits.
 */
public interface BackupStore {

	/** Complete backups of the database, newest first. Leftovers and unreadable manifests are skipped. */
	List<Backup> list(String database);

	/** The backup with this id, if the store lists it. */
	default Optional<Backup> find(String database, String backupId) {
		return list(database).stream().filter((backup) -> backup.id().equals(backupId)).findFirst();
	}

	/**
	 * A fresh local staging file to copy a new backup into, or to decode a stored one into; its
	 * directory exists, the file does not, and nothing at its path is ever listed. Closing the
	 * handle deletes what is left of it, SQLite's side files included; a published file is gone
	 * already, so closing it does nothing.
	 * @param name a backup id, alone or with a suffix that says what the file is for
	 * ({@code -stored}, {@code -decoded}, ...)
	 */
	StagingFile newStagingFile(String database, String name) throws IOException;

	/**
	 * Makes a verified staging file a listed backup, durably: the bytes first, the manifest last.
	 * The staging file is consumed.
	 */
	Backup publish(Path stagingFile, Backup backup) throws IOException;

	/** Opens a published backup as a local file for reading; closing releases it. */
	StoredBackupFile open(Backup backup) throws IOException;

	/**
	 * Names of the databases the store holds anything of, sorted: the names of their folders, which
	 * are the database names unless those hold characters a folder name cannot (then replaced by
	 * {@code _}). For tools that work without the application.
	 * @throws UnsupportedOperationException when the store cannot tell
	 */
	default List<String> databaseNames() {
		throw new UnsupportedOperationException(describe() + " cannot list the databases it holds");
	}

	/**
	 * Whether this store keeps leases (compare-and-swap writes every process that uses the store
	 * sees), so that continuous backup can keep two writers apart across machines.
	 */
	default boolean keepsLeases() {
		return false;
	}

	/**
	 * The lease on a database's continuous backup as the store holds it, with the version a
	 * compare-and-swap names; empty when none was ever written.
	 * @throws IOException when the store cannot be read
	 */
	default Optional<StoredLease> readLease(String database) throws IOException {
		throw new UnsupportedOperationException(describe() + " keeps no leases");
	}

	/**
	 * Writes the lease on a database's continuous backup if the stored one is still the one read
	 * at {@code expectedVersion}, or, when that is {@code null}, if there is none. A store that
	 * retries a write finds the lease it wrote already standing; that write is still its own.
	 * @return the new version, or empty when the stored lease changed meanwhile (another writer came first)
	 * @throws IOException when the store cannot be written
	 */
	default Optional<String> writeLease(String database, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		throw new UnsupportedOperationException(describe() + " keeps no leases");
	}

	/**
	 * The store a disaster needs for a database: the one that keeps every backup off the machine.
	 * This store itself, unless it keeps copies in two places.
	 */
	default BackupStore disasterCopy(String database) {
		return this;
	}

	/**
	 * Opens another copy of a backup, when this store keeps it in more than one place and the copy
	 * that {@link #open} gave failed its check: a damaged local copy need not fail a restore that the
	 * bucket's copy can serve.
	 * @param problem what was wrong with the copy that {@link #open} gave, for the store's log
	 * @return the other copy, or empty when there is none
	 */
	default Optional<StoredBackupFile> openOtherCopy(Backup backup, String problem) throws IOException {
		return Optional.empty();
	}

	/** Deletes a backup: the manifest first, so that it stops being listed, then the bytes. */
	void delete(Backup backup) throws IOException;

	/**
	 * Finishes publishes that a crash interrupted after the backup was complete, and removes what
	 * other crashed or failed operations left behind for the database. Called only while no
	 * operation on that database runs.
	 */
	void cleanUp(String database) throws IOException;

	/**
	 * The clean-up a backup runs before it stages its snapshot. A store with a remote part may
	 * leave that part's clean-up to its publish, so that a slow remote does not hold up the local
	 * snapshot; by default, all of {@link #cleanUp}.
	 */
	default void cleanUpBeforeBackup(String database) throws IOException {
		cleanUp(database);
	}

	/** Where this store keeps backups, for log lines and messages. */
	String describe();

	/** Short name of the place this store keeps backups in, for listings: {@code local}, {@code s3}. */
	default String locationName() {
		return "store";
	}

	/**
	 * Where each listed backup of the database is kept, by id: one short name per copy. A store
	 * that keeps each backup in one place answers its {@link #locationName()} for every backup.
	 */
	default Map<String, List<String>> locations(String database) {
		Map<String, List<String>> locations = new LinkedHashMap<>();
		list(database).forEach((backup) -> locations.put(backup.id(), List.of(locationName())));
		return locations;
	}

	/**
	 * The database's backups, newest first, with where each is kept, from one listing of the store:
	 * what an operator's request for one database needs, without reading the store twice.
	 */
	default Catalog catalog(String database) {
		List<Backup> backups = list(database);
		Map<String, List<String>> locations = new LinkedHashMap<>();
		backups.forEach((backup) -> locations.put(backup.id(), List.of(locationName())));
		return new Catalog(backups, locations);
	}

	/**
	 * Backups of one database with where each is kept.
	 *
	 * @param backups the backups, newest first
	 * @param locations short names of the places each backup is kept in, by id
	 */
	record Catalog(List<Backup> backups, Map<String, List<String>> locations) {

		public Catalog {
			backups = List.copyOf(backups);
			locations = Map.copyOf(locations);
		}

	}

	/** Whether this store can keep segments of continuous backup for the database. */
	default boolean keepsSegments(String database) {
		return false;
	}

	/**
	 * Segments of continuous backup kept for the database, in no particular order. Unreadable
	 * manifests are skipped. A store that keeps no segments has none.
	 */
	default List<Segment> listSegments(String database) {
		return List.of();
	}

	/**
	 * Makes a staging file (from {@link #newStagingFile}) a listed segment, durably: the bytes first,
	 * the manifest last. The staging file is consumed.
	 * @throws UnsupportedOperationException when this store cannot keep segments
	 */
	default Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
		throw new UnsupportedOperationException(describe() + " cannot keep continuous backup segments");
	}

	/** Opens a published segment's stored bytes as a local file for reading. */
	default StoredBackupFile openSegment(Segment segment) throws IOException {
		throw new UnsupportedOperationException(describe() + " cannot keep continuous backup segments");
	}

	/**
	 * Writes the head record of a chain, replacing the previous one in one step. Stores that keep
	 * no segments keep no heads.
	 */
	default void publishChainHead(ChainHead head) throws IOException {
		throw new UnsupportedOperationException(describe() + " cannot keep continuous backup segments");
	}

	/** The head records of the database's chains, by chain id; unreadable ones are skipped. */
	default Map<String, ChainHead> listChainHeads(String database) {
		return Map.of();
	}

	/**
	 * The head record of one chain, read without listing the others; empty when there is none or
	 * it cannot be read.
	 */
	default Optional<ChainHead> findChainHead(String database, String chainId) {
		return Optional.ofNullable(listChainHeads(database).get(chainId));
	}

	/**
	 * Whether every request to this store for the database is billed (a bucket), so that continuous backup spends
	 * them sparingly: at most one write per pass, head records rewritten now and then rather than
	 * after every segment. A local directory writes freely.
	 */
	default boolean billsRequests(String database) {
		return false;
	}

	/** Deletes the head record of a chain, if there is one. */
	default void deleteChainHead(String database, String chainId) throws IOException {
	}

	/**
	 * The manifest of one segment, read by its chain and sequence without listing the others; empty
	 * when it is not there or cannot be read. Stores that can only list scan their listing.
	 */
	default Optional<Segment> findSegment(String database, String chainId, long sequence) {
		String id = Segment.idOf(chainId, sequence);
		return listSegments(database).stream().filter((segment) -> segment.id().equals(id)).findFirst();
	}

	/**
	 * The manifest of one block of compacted segments, read by its chain, level and first sequence
	 * without listing the others; empty when it is not there or cannot be read.
	 */
	default Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		String id = Segment.blockIdOf(chainId, level, from);
		return listSegments(database).stream().filter((segment) -> segment.id().equals(id)).findFirst();
	}

	/**
	 * Whether every chain of the database in this store has a head record, so that the chains can
	 * be read from their heads alone; until then they are rebuilt from a listing of the segments.
	 */
	default boolean chainHeadsComplete(String database) {
		return false;
	}

	/** Records that every chain of the database has a head record now. */
	default void markChainHeadsComplete(String database) throws IOException {
	}

	/** Deletes a segment: the manifest first, then the bytes. */
	default void deleteSegment(Segment segment) throws IOException {
		throw new UnsupportedOperationException(describe() + " cannot keep continuous backup segments");
	}

	/**
	 * Holds the database's part of this store for one operation, against other processes that use
	 * the same store (a second instance of the application during a rolling deployment, say), so
	 * that one never cleans up or prunes under another's feet. Empty when another holder has it.
	 * Released by closing it, or by the operating system when the process dies. Stores that cannot
	 * be shared need no lock.
	 * @throws StoreFolderUnusableException when the store's folder for the database cannot be made
	 * or used, so that the operation reports that problem itself
	 * @throws IOException when the lock cannot be taken for another reason; the operation does not
	 * run, except where the file system has no locks at all
	 */
	default Optional<StoreLock> tryLock(String database) throws IOException {
		return Optional.of(StoreLock.NONE);
	}

	/**
	 * Takes the right to capture a database's WAL into this store, held until closed, so that two
	 * processes on the same database and store never interleave two chains; empty when another
	 * holder, in this process or another, has it. Stores that cannot lock give it to everyone.
	 * @param holder how this process describes itself to the others, for {@link #captureHolder}
	 */
	default Optional<StoreLock> tryCaptureLock(String database, String holder) throws IOException {
		return Optional.of(StoreLock.NONE);
	}

	/** How the process that holds the capture of a database described itself, when known. */
	default Optional<String> captureHolder(String database) {
		return Optional.empty();
	}

	/**
	 * A lease as a store holds it.
	 *
	 * @param lease the lease
	 * @param version what a compare-and-swap of it names (an ETag, a hash of the file)
	 */
	record StoredLease(Lease lease, String version) {
	}

	/** A store held for one operation. */
	interface StoreLock extends AutoCloseable {

		/** For stores that need no lock. */
		StoreLock NONE = () -> {
		};

		@Override
		void close() throws IOException;

	}

	/** A staging file a store handed out; closing it deletes what is left of it. */
	interface StagingFile extends AutoCloseable {

		/** Local path of the file. */
		Path path();

		/** Deletes the file and its side files if they are still there; failures are only logged. */
		@Override
		void close();

	}

	/** A published backup readable as a local file. */
	interface StoredBackupFile extends AutoCloseable {

		/** Local path of the backup's bytes. */
		Path path();

		/**
		 * How many bytes from the start of {@link #path()} are the stored bytes: all of them, or,
		 * for a segment kept whole in one file, its frames without the manifest after them.
		 */
		default long length() throws IOException {
			return Files.size(path());
		}

		@Override
		void close() throws IOException;

	}

}
