package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.StoreFolderUnusableException;
import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoredLease;

/**
 * Keeps backups in a local directory, one sub-directory per database:
 * {@code <directory>/<database>/<id>.sqlite} with its manifest {@code <id>.manifest} beside it
 * (a compressed or encrypted backup's name says so: {@code <id>.sqlite.zst.enc}),
 * and unfinished work in {@code <directory>/<database>/.staging/}. Staging lives on the same file
 * system as the published files so that publishing is an atomic rename. A data file is listed
 * only with a readable manifest that describes it; bytes without a manifest are never
 * listed and never deleted by this store (they may be a backup whose manifest someone removed).
 * <p>
 * Whoever else can write to the directory cannot make the store work outside it: a database or
 * staging folder that is a link is refused, clean-up deletes only regular files with the names
 * staging files get, and manifests are read only from regular files of bounded size (see
 * {@link StoreFiles}). The folders the store makes are owner-only, and so are its files.
 */
public class LocalDirectoryBackupStore implements BackupStore {

	private static final Logger logger = LoggerFactory.getLogger(LocalDirectoryBackupStore.class);

	static final String DATA_SUFFIX = BackupFileNames.DATA_SUFFIX;

	static final String MANIFEST_SUFFIX = BackupFileNames.MANIFEST_SUFFIX;

	static final String STAGING_DIRECTORY = BackupFileNames.STAGING_DIRECTORY;

	/** Locked while an operation runs; never deleted, so that every process locks the same file. */
	static final String LOCK_FILE = ".lock";

	private final Path directory;

	/** Continuous backup's segments and chain heads in each database's folder. */
	private final LocalSegments segments = new LocalSegments(this);

	/** A store rooted at the given directory, which is created when the first backup is staged. */
	public LocalDirectoryBackupStore(Path directory) {
		this.directory = directory.toAbsolutePath().normalize();
	}

	/** Root directory of this store. */
	public Path getDirectory() {
		return this.directory;
	}

	@Override
	public List<Backup> list(String database) {
		Path databaseDirectory = databaseDirectory(database);
		List<Backup> backups = new ArrayList<>();
		try {
			if (!StoreFiles.existsAsRealDirectory(databaseDirectory)) {
				return List.of();
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list backups in " + databaseDirectory + ": " + reason(ex), ex);
		}
		try (DirectoryStream<Path> manifests = Files.newDirectoryStream(databaseDirectory, "*" + MANIFEST_SUFFIX)) {
			for (Path manifest : manifests) {
				Backup backup = readManifest(database, manifest);
				if (backup != null) {
					backups.add(backup);
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list backups in " + databaseDirectory + ": " + ex.getMessage(), ex);
		}
		backups.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		return backups;
	}

	/** Reads only this backup's manifest, not every one in the folder. */
	@Override
	public Optional<Backup> find(String database, String backupId) {
		if (!BackupIds.isWellFormed(backupId)) {
			return Optional.empty();
		}
		Path databaseDirectory = databaseDirectory(database);
		try {
			if (!StoreFiles.existsAsRealDirectory(databaseDirectory)) {
				return Optional.empty();
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list backups in " + databaseDirectory + ": " + reason(ex), ex);
		}
		return Optional.ofNullable(readManifest(database, manifestFile(database, backupId), backupId, true));
	}

	private @Nullable Backup readManifest(String database, Path manifest) {
		String fileName = manifest.getFileName().toString();
		String id = fileName.substring(0, fileName.length() - MANIFEST_SUFFIX.length());
		if (!BackupIds.isWellFormed(id)) {
			return null;
		}
		return readManifest(database, manifest, id, true);
	}

	/** The manifest's backup if it is readable and describes backup {@code id}, whose data file exists. */
	private @Nullable Backup readManifest(String database, Path manifest, String id, boolean warnIfNoData) {
		return readManifestFile(manifest, "manifest", (text) -> {
			Backup backup = ManifestFormat.read(text);
			if (!backup.id().equals(id) || !backup.database().equals(database)) {
				logger.warn("Skipping manifest {}: it describes backup {} of database '{}'", manifest, backup.id(),
						backup.database());
				return null;
			}
			if (!StoreFiles.isRegularFile(dataFile(backup))) {
				if (warnIfNoData) {
					logger.warn("Skipping backup {} of database '{}': its data file is missing or not a regular file",
							backup.id(), database);
				}
				return null;
			}
			return backup;
		});
	}

	/**
	 * Reads a manifest of either kind, bounded (see {@link StoreFiles#readManifest}), and parses and
	 * checks it with {@code reader}. One that is gone meanwhile is skipped quietly; one that is not a
	 * regular file, too large or unreadable is skipped with a WARN, so that the rest still list.
	 */
	<T> @Nullable T readManifestFile(Path manifest, String kind, ManifestReader<T> reader) {
		try (Reader text = new StringReader(
				new String(StoreFiles.readManifest(manifest), StandardCharsets.ISO_8859_1))) {
			return reader.read(text);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
		catch (UnsafeStorePathException ex) {
			logger.warn("Skipping {} {}: it {}", kind, manifest, ex.getReason());
			return null;
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Skipping unreadable {} {}: {}", kind, manifest, ex.getMessage());
			return null;
		}
	}

	@Override
	public StagingFile newStagingFile(String database, String name) throws IOException {
		Path staging = StoreFiles.ownDirectory(ownDatabaseDirectory(database).resolve(STAGING_DIRECTORY));
		Path file = staging.resolve(name + DATA_SUFFIX);
		Files.deleteIfExists(file);
		return StoreFiles.stagingFile(file);
	}

	@Override
	public Backup publish(Path stagingFile, Backup backup) throws IOException {
		Path databaseDirectory = ownDatabaseDirectory(backup.database());
		// Someone may have put a link in place of the staging folder or file since it was handed out.
		StoreFiles.existsAsRealDirectory(stagingFile.getParent());
		StoreFiles.checkRegularFile(stagingFile);
		Path stagedManifest = stagingFile.resolveSibling(backup.id() + MANIFEST_SUFFIX);
		StoreFiles.restrictToOwner(stagingFile);
		force(stagingFile);
		Files.deleteIfExists(stagedManifest);
		Files.writeString(stagedManifest, ManifestFormat.write(backup), StandardCharsets.ISO_8859_1,
				StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
		StoreFiles.restrictToOwner(stagedManifest);
		force(stagedManifest);
		Files.move(stagingFile, dataFile(backup), StandardCopyOption.ATOMIC_MOVE);
		force(databaseDirectory);
		// A crash here leaves published bytes without a manifest: never listed, and cleanUp
		// finishes the publish from the staged manifest.
		Files.move(stagedManifest, manifestFile(backup.database(), backup.id()), StandardCopyOption.ATOMIC_MOVE);
		force(databaseDirectory);
		return backup;
	}

	@Override
	public StoredBackupFile open(Backup backup) throws IOException {
		// Throws for a database folder that is a link; a missing one fails on the file below.
		StoreFiles.existsAsRealDirectory(databaseDirectory(backup.database()));
		Path data = dataFile(backup);
		StoreFiles.checkRegularFile(data);
		return new LocalFile(data);
	}

	@Override
	public void delete(Backup backup) throws IOException {
		if (!StoreFiles.existsAsRealDirectory(databaseDirectory(backup.database()))) {
			return;
		}
		Files.deleteIfExists(manifestFile(backup.database(), backup.id()));
		Files.deleteIfExists(dataFile(backup));
	}

	@Override
	public void cleanUp(String database) throws IOException {
		Path databaseDirectory = databaseDirectory(database);
		Path staging = databaseDirectory.resolve(STAGING_DIRECTORY);
		try {
			if (!StoreFiles.existsAsRealDirectory(databaseDirectory) || !StoreFiles.existsAsRealDirectory(staging)) {
				return;
			}
		}
		catch (UnsafeStorePathException ex) {
			logger.warn("Not cleaning up the backups of database '{}': {} {}", database, ex.getFile(), ex.getReason());
			return;
		}
		try (DirectoryStream<Path> manifests = Files.newDirectoryStream(staging, "*" + MANIFEST_SUFFIX)) {
			for (Path manifest : manifests) {
				finishInterruptedPublish(database, manifest);
			}
		}
		this.segments.finishInterruptedPublishes(database, staging);
		StoreFiles.removeStagingLeftovers(staging);
	}

	/**
	 * A staged manifest whose bytes were already moved into place belongs to a publish that a crash
	 * cut short between its two renames: the backup was complete and verified, so it is published.
	 */
	private void finishInterruptedPublish(String database, Path stagedManifest) throws IOException {
		String fileName = stagedManifest.getFileName().toString();
		String id = fileName.substring(0, fileName.length() - MANIFEST_SUFFIX.length());
		if (!BackupIds.isWellFormed(id) || Files.exists(manifestFile(database, id))) {
			return;
		}
		// Null unless its data file was already moved into place.
		Backup backup = readManifest(database, stagedManifest, id, false);
		if (backup != null) {
			Files.move(stagedManifest, manifestFile(database, id), StandardCopyOption.ATOMIC_MOVE);
			force(databaseDirectory(database));
			logger.info("Finished publishing backup {} of database '{}' that a crash had interrupted", id, database);
		}
	}

	@Override
	public boolean keepsSegments(String database) {
		return true;
	}

	@Override
	public List<Segment> listSegments(String database) {
		return this.segments.list(database);
	}

	@Override
	public Segment publishSegment(Path stagingFile, Segment segment) throws IOException {
		return this.segments.publish(stagingFile, segment);
	}

	@Override
	public void publishChainHead(ChainHead head) throws IOException {
		this.segments.publishHead(head);
	}

	@Override
	public Map<String, ChainHead> listChainHeads(String database) {
		return this.segments.heads(database);
	}

	@Override
	public Optional<Segment> findSegment(String database, String chainId, long sequence) {
		return this.segments.find(database, chainId, sequence);
	}

	@Override
	public Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		return this.segments.findBlock(database, chainId, level, from);
	}

	@Override
	public boolean chainHeadsComplete(String database) {
		return this.segments.headsComplete(database);
	}

	@Override
	public void markChainHeadsComplete(String database) throws IOException {
		this.segments.markHeadsComplete(database);
	}

	@Override
	public void deleteChainHead(String database, String chainId) throws IOException {
		this.segments.deleteHead(database, chainId);
	}

	@Override
	public StoredBackupFile openSegment(Segment segment) throws IOException {
		return this.segments.open(segment);
	}

	@Override
	public void deleteSegment(Segment segment) throws IOException {
		this.segments.delete(segment);
	}

	@Override
	public boolean keepsLeases() {
		return true;
	}

	@Override
	public Optional<StoredLease> readLease(String database) throws IOException {
		return LocalLeases.read(databaseDirectory(database));
	}

	@Override
	public Optional<String> writeLease(String database, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		return LocalLeases.write(ownDatabaseDirectory(database), lease, expectedVersion);
	}

	@Override
	public Optional<StoreLock> tryCaptureLock(String database, String holder) throws IOException {
		return LocalCaptureLock.tryLock(ownDatabaseDirectory(database), database, holder);
	}

	@Override
	public Optional<String> captureHolder(String database) {
		return LocalCaptureLock.holder(databaseDirectory(database));
	}

	@Override
	public Optional<StoreLock> tryLock(String database) throws IOException {
		Path databaseDirectory;
		try {
			databaseDirectory = ownDatabaseDirectory(database);
		}
		catch (IOException ex) {
			throw new StoreFolderUnusableException(reason(ex), ex);
		}
		return FileLocks.tryLock(databaseDirectory.resolve(LOCK_FILE));
	}

	@Override
	public String describe() {
		return this.directory.toString();
	}

	@Override
	public String locationName() {
		return "local";
	}

	@Override
	public List<String> databaseNames() {
		if (!Files.isDirectory(this.directory)) {
			return List.of();
		}
		try (Stream<Path> folders = Files.list(this.directory)) {
			return folders.filter((folder) -> Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS))
				.map((folder) -> folder.getFileName().toString())
				.filter((name) -> !name.startsWith("."))
				.sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot list the databases in " + this.directory + ": " + reason(ex), ex);
		}
	}

	/** Directory of one database's backups; names are reduced to safe characters. */
	Path databaseDirectory(String database) {
		return this.directory.resolve(BackupFileNames.databaseFolder(database));
	}

	/** The database's folder, made (owner-only) when missing; refused when it is a link. */
	Path ownDatabaseDirectory(String database) throws IOException {
		StoreFiles.rootDirectory(this.directory);
		return StoreFiles.ownDirectory(databaseDirectory(database));
	}

	static String reason(IOException ex) {
		return (ex instanceof FileSystemException fs && fs.getReason() != null) ? fs.getReason() : ex.getMessage();
	}

	private Path dataFile(Backup backup) {
		return databaseDirectory(backup.database()).resolve(BackupFileNames.dataFile(backup));
	}

	private Path manifestFile(String database, String id) {
		return databaseDirectory(database).resolve(BackupFileNames.manifest(id));
	}

	/** fsync of a file or a directory (the latter makes renames in it durable on Linux). */
	static void force(Path path) throws IOException {
		boolean directory = Files.isDirectory(path);
		try (FileChannel channel = FileChannel.open(path,
				directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
			channel.force(true);
		}
		catch (IOException ex) {
			if (!directory) {
				throw ex;
			}
			// Some file systems refuse to open directories for fsync; the rename is still atomic there.
			logger.debug("Cannot fsync directory {}: {}", path, ex.getMessage());
		}
	}

	record LocalFile(Path path) implements StoredBackupFile {

		@Override
		public void close() {
		}

	}


	/** Parses and checks one manifest's text; {@code null} to skip it. */
	@FunctionalInterface
	interface ManifestReader<T> {

		@Nullable T read(Reader text) throws IOException;

	}

}
