package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupIds;

import dev.sqlitebackup.BackupStore.StagingFile;

/**
 * Rules a store keeps for the files it owns on a local disk, whoever else can write there: it
 * never follows a link out of its own folders, deletes only names it gives files itself, reads
 * manifests of bounded size only, and keeps its folders and files to their owner where the file
 * system has POSIX permissions.
 */
public final class StoreFiles {

	private static final Logger logger = LoggerFactory.getLogger(StoreFiles.class);

	/** Largest manifest a store reads; real ones are well under 1 KiB. */
	public static final int MAX_MANIFEST_BYTES = 64 * 1024;

	/** A staging file, and what SQLite may leave beside one it opened. */
	private static final String[] SIDE_FILE_SUFFIXES = { "", "-journal", "-wal", "-shm" };

	/** Staging files a handle of this process holds open: never leftovers, whatever a clean-up finds. */
	private static final Set<Path> held = ConcurrentHashMap.newKeySet();

	private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

	private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

	private static final int ID_LENGTH = 26;

	/**
	 * What follows the backup id in the name of a staging file: the purpose the engine or a store
	 * gave the copy, then SQLite's side files of it; or a staged manifest. A new kind of staging
	 * file must be added here, or clean-up leaves it behind.
	 */
	private static final Pattern STAGING_SUFFIX = Pattern
		.compile("(-segment-[0-9]{10}(-level-[1-9])?)?(-stored|-decoded|-pages|-verify|-offsite|-point-in-time(-pages)?|-startup|-drill(-copy)?|-page-size-[0-9]{1,6}|-download-[0-9a-f]{8}-[0-9a-f]{4}-"
				+ "[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?\\.sqlite(-journal|-wal|-shm)?|\\.manifest|-segment-[0-9]{10}(-level-[1-9])?\\.segment");

	private StoreFiles() {
	}

	/**
	 * The root folder of a store. One that exists belongs to the user, who may have made it a link
	 * or given it any permissions, and is used as it is; one the store creates is owner-only.
	 */
	public static Path rootDirectory(Path root) throws IOException {
		if (Files.isDirectory(root)) {
			return root;
		}
		Path parent = root.toAbsolutePath().getParent();
		if (parent != null) {
			Files.createDirectories(parent);
		}
		try {
			Files.createDirectory(root);
			restrict(root, OWNER_ONLY_DIRECTORY);
		}
		catch (FileAlreadyExistsException ex) {
			// Made meanwhile by another process, or a file in the way, which the next step reports.
		}
		return root;
	}

	/**
	 * A folder the store makes inside its root (a database's folder, a staging folder): created when
	 * missing and made owner-only either way.
	 * @throws UnsafeStorePathException when it is a link or not a directory
	 */
	public static Path ownDirectory(Path directory) throws IOException {
		try {
			Files.createDirectory(directory);
		}
		catch (FileAlreadyExistsException ex) {
			checkRealDirectory(directory);
		}
		restrict(directory, OWNER_ONLY_DIRECTORY);
		return directory;
	}

	/**
	 * Whether a folder of the store exists as a real directory; a link or a file in its place is
	 * refused.
	 * @throws UnsafeStorePathException when it is a link or not a directory
	 */
	public static boolean existsAsRealDirectory(Path directory) throws IOException {
		BasicFileAttributes attributes;
		try {
			attributes = Files.readAttributes(directory, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		}
		catch (NoSuchFileException ex) {
			return false;
		}
		catch (FileSystemException ex) {
			// Under a file instead of a folder it cannot exist; making it fails with a message of its own.
			for (Path ancestor = directory.getParent(); ancestor != null; ancestor = ancestor.getParent()) {
				if (Files.exists(ancestor)) {
					if (!Files.isDirectory(ancestor)) {
						return false;
					}
					break;
				}
			}
			throw ex;
		}
		if (attributes.isSymbolicLink()) {
			throw new UnsafeStorePathException(directory, "is a symbolic link, which the store does not follow: "
					+ "replace it with a real directory (or point the store's directory elsewhere)");
		}
		if (!attributes.isDirectory()) {
			throw new UnsafeStorePathException(directory, "is not a directory; move it out of the store's way");
		}
		return true;
	}

	private static void checkRealDirectory(Path directory) throws IOException {
		if (!existsAsRealDirectory(directory)) {
			throw new NoSuchFileException(directory.toString());
		}
	}

	/**
	 * Checks that a file the store wrote is still a regular file, not a link, a pipe or a device
	 * someone put in its place (reading a pipe would wait forever).
	 * @throws NoSuchFileException when it is missing
	 * @throws UnsafeStorePathException when it is not a regular file
	 */
	public static void checkRegularFile(Path file) throws IOException {
		BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
				LinkOption.NOFOLLOW_LINKS);
		if (!attributes.isRegularFile()) {
			throw new UnsafeStorePathException(file, notRegular(attributes));
		}
	}

	/** Whether a regular file (not followed through a link) is there. */
	public static boolean isRegularFile(Path file) {
		return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
	}

	/**
	 * The bytes of a manifest, read only from a regular file (not followed through a link) and never
	 * more than {@link #MAX_MANIFEST_BYTES}, even when the file grows while it is read.
	 * @throws UnsafeStorePathException when it is not a regular file or is too large
	 */
	public static byte[] readManifest(Path manifest) throws IOException {
		checkRegularFile(manifest);
		if (Files.size(manifest) > MAX_MANIFEST_BYTES) {
			throw tooLarge(manifest);
		}
		byte[] bytes;
		try (InputStream input = Files.newInputStream(manifest, LinkOption.NOFOLLOW_LINKS)) {
			bytes = input.readNBytes(MAX_MANIFEST_BYTES + 1);
		}
		if (bytes.length > MAX_MANIFEST_BYTES) {
			throw tooLarge(manifest);
		}
		return bytes;
	}

	private static UnsafeStorePathException tooLarge(Path manifest) {
		return new UnsafeStorePathException(manifest,
				"is larger than " + MAX_MANIFEST_BYTES / 1024 + " KiB, which no manifest is");
	}

	/** Makes a file the store wrote (a backup, a manifest, a lock file) readable by its owner only. */
	public static void restrictToOwner(Path file) throws IOException {
		restrict(file, OWNER_ONLY_FILE);
	}

	/**
	 * Whether a name is one the engine or a store gives a staging file: a well-formed backup id and
	 * one of the known suffixes.
	 */
	public static boolean isStagingName(String name) {
		return name.length() > ID_LENGTH && BackupIds.isWellFormed(name.substring(0, ID_LENGTH))
				&& STAGING_SUFFIX.matcher(name.substring(ID_LENGTH)).matches();
	}

	/**
	 * Deletes what interrupted operations left in a staging folder: regular files with staging
	 * names, never followed through links, that no open handle of this process holds (a
	 * compaction block is built beside the operations that clean up). Anything else is left where
	 * it is with a WARN, and a staging folder that is a link is not entered.
	 */
	public static void removeStagingLeftovers(Path staging) throws IOException {
		try {
			if (!existsAsRealDirectory(staging)) {
				return;
			}
		}
		catch (UnsafeStorePathException ex) {
			logger.warn("Not cleaning up {}: it {}", staging, ex.getReason());
			return;
		}
		try (DirectoryStream<Path> entries = Files.newDirectoryStream(staging)) {
			for (Path entry : entries) {
				BasicFileAttributes attributes;
				try {
					attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
				}
				catch (NoSuchFileException ex) {
					continue;
				}
				if (!attributes.isRegularFile()) {
					logger.warn("Leaving {} alone in the staging folder: it {}", entry, notRegular(attributes));
				}
				else if (!isStagingName(entry.getFileName().toString())) {
					logger.warn("Leaving {} alone in the staging folder: the store never names a file so", entry);
				}
				else if (isHeld(entry)) {
					logger.debug("Leaving {} alone in the staging folder: an operation of this process is using it",
							entry);
				}
				else {
					logger.info("Removing leftover of an interrupted operation: {}", entry);
					Files.deleteIfExists(entry);
				}
			}
		}
	}

	private static String notRegular(BasicFileAttributes attributes) {
		return attributes.isSymbolicLink() ? "is a symbolic link, which the store does not follow"
				: attributes.isDirectory() ? "is a directory, not a file the store wrote"
						: "is not a regular file (a pipe or a device), which the store does not read";
	}

	/**
	 * Sets owner-only permissions where the file system has POSIX ones. Applied after creation
	 * because permissions given at creation are reduced by the process umask.
	 */
	private static void restrict(Path path, Set<PosixFilePermission> permissions) throws IOException {
		PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class,
				LinkOption.NOFOLLOW_LINKS);
		if (view == null) {
			return;
		}
		try {
			if (!view.readAttributes().permissions().equals(permissions)) {
				view.setPermissions(permissions);
			}
		}
		catch (FileSystemException ex) {
			// Another user's file in a shared store, say: its permissions are that user's choice.
			logger.warn("Could not make {} accessible to its owner only: {}", path,
					(ex.getReason() != null) ? ex.getReason() : ex.getMessage());
		}
	}


	/**
	 * A staging file handle that deletes the file and the side files SQLite may have left beside it
	 * ({@code -journal}, {@code -wal}, {@code -shm}) when closed.
	 */
	public static StagingFile stagingFile(Path file) {
		held.add(file.toAbsolutePath().normalize());
		return new DeletedOnClose(file);
	}

	/** Whether a file in a staging folder is one a handle of this process holds, or a side file of one. */
	private static boolean isHeld(Path entry) {
		String name = entry.getFileName().toString();
		for (String suffix : SIDE_FILE_SUFFIXES) {
			if (!suffix.isEmpty() && name.endsWith(suffix)) {
				name = name.substring(0, name.length() - suffix.length());
				break;
			}
		}
		return held.contains(entry.resolveSibling(name).toAbsolutePath().normalize());
	}

	private record DeletedOnClose(Path path) implements StagingFile {

		@Override
		public void close() {
			held.remove(this.path.toAbsolutePath().normalize());
			for (String suffix : SIDE_FILE_SUFFIXES) {
				Path file = this.path.resolveSibling(this.path.getFileName() + suffix);
				try {
					Files.deleteIfExists(file);
				}
				catch (IOException ex) {
					logger.warn("Could not delete staging file {} (it is removed by the next clean-up): {}", file,
							ex.getMessage());
				}
			}
		}

	}

}
