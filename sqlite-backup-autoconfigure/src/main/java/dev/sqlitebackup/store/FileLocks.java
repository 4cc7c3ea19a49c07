package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoreLock;

/**
 * Advisory locks on a file, held against other processes and other stores in this one alike.
 * <p>
 * The operating system keeps these locks per process, and on Linux closing any channel of a file
 * drops every lock the process holds on it. So this process opens one channel per lock file, kept
 * in a registry by the file's real path: a second attempt on a file this process holds answers
 * "held" without opening another channel, and only the holder's release closes it.
 */
public final class FileLocks {

	/** The one channel of each lock file that this process has open, by real path. */
	private static final Map<Path, FileChannel> channels = new HashMap<>();

	/** Lock files this process holds through this class. */
	private static final Set<Path> held = new HashSet<>();

	private FileLocks() {
	}

	/**
	 * Locks the file, creating it (owner-only) if needed; empty when another holder, in this
	 * process or another, has it.
	 */
	public static Optional<StoreLock> tryLock(Path file) throws IOException {
		synchronized (FileLocks.class) {
			Path key = lockFile(file);
			if (held.contains(key)) {
				return Optional.empty();
			}
			FileChannel channel = channels.get(key);
			if (channel == null) {
				channel = FileChannel.open(key, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
				channels.put(key, channel);
			}
			try {
				FileLock lock = channel.tryLock();
				if (lock == null) {
					// Another process holds it and this one holds nothing on the file: closing is safe.
					channels.remove(key);
					channel.close();
					return Optional.empty();
				}
				held.add(key);
				return Optional.of(new HeldLock(key, channel));
			}
			catch (OverlappingFileLockException ex) {
				// Locked in this process by code other than this class. Closing the channel would
				// drop that lock, so it stays open for the next attempt.
				return Optional.empty();
			}
			catch (IOException | RuntimeException ex) {
				channels.remove(key);
				channel.close();
				throw ex;
			}
		}
	}

	/** The lock file's real path, after creating it if needed and making it owner-only. */
	private static Path lockFile(Path file) throws IOException {
		Path absolute = file.toAbsolutePath();
		Path real = absolute.getParent().toRealPath().resolve(absolute.getFileName());
		try {
			Files.createFile(real);
		}
		catch (FileAlreadyExistsException ex) {
			// Every process locks the same file, which is never deleted.
		}
		if (StoreFiles.isRegularFile(real)) {
			StoreFiles.restrictToOwner(real);
		}
		return real;
	}

	private static void release(Path key, FileChannel channel) throws IOException {
		synchronized (FileLocks.class) {
			// A second close must not release a later holder's lock on the same file.
			if (channels.get(key) == channel) {
				held.remove(key);
				channels.remove(key);
				channel.close();
			}
		}
	}

	/** A lock this process holds; closing its channel releases it. */
	private record HeldLock(Path key, FileChannel channel) implements StoreLock {

		@Override
		public void close() throws IOException {
			release(this.key, this.channel);
		}

	}

}
