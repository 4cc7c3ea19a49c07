package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

import dev.sqlitebackup.store.BackupStore.StoreLock;

/** Advisory locks on a file, held by other processes and by other stores in this one alike. */
public final class FileLocks {

	private FileLocks() {
	}

	/** Locks the file, creating it if needed; empty when another holder has it. */
	public static Optional<StoreLock> tryLock(Path file) throws IOException {
		FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
		try {
			FileLock lock = channel.tryLock();
			if (lock == null) {
				channel.close();
				return Optional.empty();
			}
			// Closing the channel releases the lock.
			return Optional.of(channel::close);
		}
		catch (OverlappingFileLockException ex) {
			// Another store on the same directory in this process holds it: the JVM keeps one lock per file.
			channel.close();
			return Optional.empty();
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

}
