package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore.StoreLock;

/**
 * The lock, in a database's folder, that the one process capturing that database holds, and the
 * file beside it in which that process says who it is.
 */
final class LocalCaptureLock {

	// Logs under the store's name, as before it had a class of its own, so that logging set up for it still applies.
	private static final Logger logger = LoggerFactory.getLogger(LocalDirectoryBackupStore.class);

	/** File, in a database's folder, whose lock the one process capturing that database holds. */
	static final String CAPTURE_LOCK_FILE = ".capture-lock";

	/** File, in a database's folder, in which that process says who it is. */
	static final String CAPTURE_HOLDER_FILE = ".capture-holder";

	/** The most of the holder's description that is read back. */
	private static final int MAX_HOLDER_BYTES = 1024;

	private LocalCaptureLock() {
	}

	/** Takes the capture lock of the database whose folder this is, and records the holder when it gets it. */
	static Optional<StoreLock> tryLock(Path databaseDirectory, String database, String holder) throws IOException {
		Optional<StoreLock> lock = FileLocks.tryLock(databaseDirectory.resolve(CAPTURE_LOCK_FILE));
		if (lock.isPresent()) {
			try {
				Files.writeString(databaseDirectory.resolve(CAPTURE_HOLDER_FILE), holder, StandardCharsets.UTF_8,
						StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
						LinkOption.NOFOLLOW_LINKS);
			}
			catch (IOException ex) {
				// Only the others' health details miss who holds it.
				logger.debug("Cannot record the holder of the capture of database '{}': {}", database,
						LocalDirectoryBackupStore.reason(ex));
			}
		}
		return lock;
	}

	/** Who last took the capture lock of the database whose folder this is, if it said. */
	static Optional<String> holder(Path databaseDirectory) {
		Path file = databaseDirectory.resolve(CAPTURE_HOLDER_FILE);
		if (!StoreFiles.isRegularFile(file)) {
			return Optional.empty();
		}
		try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
			String holder = new String(in.readNBytes(MAX_HOLDER_BYTES), StandardCharsets.UTF_8).strip();
			return holder.isEmpty() ? Optional.empty() : Optional.of(holder);
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

}
