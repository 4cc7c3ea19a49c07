package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.Lease;

/**
 * Leases in a backup directory: the file {@code <database>/lease}, compared and swapped under the
 * lock file {@code <database>/.lease-lock} (held for the read and the write only), written whole
 * by an atomic rename. Its version is the SHA-256 of its bytes.
 */
final class LocalLeases {

	/** Name of a database's lease file. */
	static final String LEASE_FILE = "lease";

	private static final String LEASE_LOCK_FILE = ".lease-lock";

	/** How long a compare-and-swap waits for another one on the same lease. */
	private static final long LOCK_WAIT_MILLIS = 5_000;

	private LocalLeases() {
	}

	static Optional<StoredLease> read(Path databaseDirectory) throws IOException {
		byte[] bytes;
		try {
			bytes = Files.readAllBytes(databaseDirectory.resolve(LEASE_FILE));
		}
		catch (NoSuchFileException ex) {
			return Optional.empty();
		}
		return Optional.of(new StoredLease(parse(databaseDirectory, bytes), version(bytes)));
	}

	static Optional<String> write(Path databaseDirectory, Lease lease, @Nullable String expectedVersion)
			throws IOException {
		try (StoreLock lock = lock(databaseDirectory)) {
			Path file = databaseDirectory.resolve(LEASE_FILE);
			String current;
			try {
				current = version(Files.readAllBytes(file));
			}
			catch (NoSuchFileException ex) {
				current = null;
			}
			if ((expectedVersion == null) ? current != null : !expectedVersion.equals(current)) {
				return Optional.empty();
			}
			byte[] bytes = lease.toJson().getBytes(StandardCharsets.UTF_8);
			Path temporary = databaseDirectory.resolve(".lease.tmp-" + Long.toHexString(System.nanoTime()));
			try {
				try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
						StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
					channel.write(java.nio.ByteBuffer.wrap(bytes));
					channel.force(true);
				}
				StoreFiles.restrictToOwner(temporary);
				Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			finally {
				Files.deleteIfExists(temporary);
			}
			try (FileChannel folder = FileChannel.open(databaseDirectory, StandardOpenOption.READ)) {
				folder.force(true);
			}
			return Optional.of(version(bytes));
		}
	}

	private static StoreLock lock(Path databaseDirectory) throws IOException {
		long deadline = System.currentTimeMillis() + LOCK_WAIT_MILLIS;
		while (true) {
			Optional<StoreLock> lock = FileLocks.tryLock(databaseDirectory.resolve(LEASE_LOCK_FILE));
			if (lock.isPresent()) {
				return lock.get();
			}
			if (System.currentTimeMillis() > deadline) {
				throw new IOException("The lease of " + databaseDirectory + " stayed locked by another process for "
						+ LOCK_WAIT_MILLIS + " ms");
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException("Interrupted while waiting for the lease of " + databaseDirectory, ex);
			}
		}
	}

	private static Lease parse(Path databaseDirectory, byte[] bytes) throws IOException {
		try {
			return Lease.parse(new String(bytes, StandardCharsets.UTF_8));
		}
		catch (IllegalArgumentException ex) {
			throw new IOException("The lease file in " + databaseDirectory + " is not one this starter wrote ("
					+ ex.getMessage() + "); delete it to let continuous backup take a new one", ex);
		}
	}

	private static String version(byte[] bytes) {
		try {
			return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
