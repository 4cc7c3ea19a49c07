package dev.sqlitebackup.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;

import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.codec.BoundedInputStream;

/**
 * Checks that a file is a whole, healthy SQLite database: the header, a size of whole pages that
 * matches the header's page count, then SQLite's own check. Used on every new backup before it is
 * published and on every backup before it is restored.
 */
public final class BackupFileCheck {

	private static final byte[] MAGIC = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

	private static final int HEADER_SIZE = 100;

	private BackupFileCheck() {
	}

	/** What the checks found out about a file that passed them. */
	public record Facts(int pageSize, long pageCount) {
	}

	/** Checks the file, failing with the first problem found. */
	public static Facts verify(Path file, VerifyMode mode) throws CheckFailedException {
		List<String> problems = new ArrayList<>();
		Facts facts = inspect(file, mode, problems);
		if (!problems.isEmpty() || facts == null) {
			throw new CheckFailedException(String.join("; ", problems));
		}
		return facts;
	}

	/** Runs the checks and collects every problem; returns the facts when the header was readable. */
	static Facts inspect(Path file, VerifyMode mode, List<String> problems) {
		Facts facts = readHeader(file, problems);
		if (facts == null) {
			return null;
		}
		try (SQLiteConnection connection = SqliteConnections.openReadOnly(file)) {
			long pages = SqliteConnections.number(connection, "PRAGMA page_count");
			if (pages != facts.pageCount()) {
				problems.add("SQLite counts " + pages + " pages but the file holds " + facts.pageCount());
			}
			problems.addAll(SqliteConnections.check(connection, mode));
		}
		catch (SQLException ex) {
			problems.add("SQLite cannot read it: " + ex.getMessage());
		}
		return facts;
	}

	private static Facts readHeader(Path file, List<String> problems) {
		ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
		long size;
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
			size = channel.size();
			while (header.hasRemaining() && channel.read(header) >= 0) {
				// read the whole header
			}
		}
		catch (IOException ex) {
			problems.add("cannot read the file: " + ex.getMessage());
			return null;
		}
		if (size < HEADER_SIZE || header.hasRemaining()) {
			problems.add("file is too short to be a SQLite database (" + size + " bytes)");
			return null;
		}
		header.flip();
		byte[] magic = new byte[MAGIC.length];
		header.get(magic);
		if (!java.util.Arrays.equals(magic, MAGIC)) {
			problems.add("file is not a SQLite database (no SQLite header)");
			return null;
		}
		int rawPageSize = Short.toUnsignedInt(header.getShort(16));
		int pageSize = (rawPageSize == 1) ? 65536 : rawPageSize;
		if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
			problems.add("header has an invalid page size " + rawPageSize);
			return null;
		}
		if (size % pageSize != 0) {
			problems.add("file size " + size + " is not a whole number of " + pageSize + "-byte pages (truncated?)");
			return null;
		}
		long pageCount = size / pageSize;
		long changeCounter = Integer.toUnsignedLong(header.getInt(24));
		long headerPageCount = Integer.toUnsignedLong(header.getInt(28));
		long validFor = Integer.toUnsignedLong(header.getInt(92));
		// The in-header page count is only meaningful when SQLite last wrote it together with the counter.
		if (validFor == changeCounter && headerPageCount != 0 && headerPageCount != pageCount) {
			problems.add("header says " + headerPageCount + " pages but the file holds " + pageCount + " (truncated?)");
			return null;
		}
		return new Facts(pageSize, pageCount);
	}

	/** Hex SHA-256 of a file's bytes. */
	public static String sha256(Path file) throws IOException {
		return sha256(file, Long.MAX_VALUE, new AtomicBoolean());
	}

	/** Hex SHA-256 of a file's first {@code length} bytes (fewer when it is shorter). */
	public static String sha256(Path file, long length) throws IOException {
		return sha256(file, length, new AtomicBoolean());
	}

	/** A fresh SHA-256 digest, which every JDK has. */
	public static MessageDigest newSha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static String sha256(Path file, long length, AtomicBoolean cancelled) throws IOException {
		MessageDigest digest = newSha256();
		byte[] buffer = new byte[1 << 20];
		try (InputStream input = new BoundedInputStream(Files.newInputStream(file), length)) {
			int read;
			while ((read = input.read(buffer)) >= 0 && !cancelled.get()) {
				digest.update(buffer, 0, read);
			}
		}
		if (cancelled.get()) {
			throw new IOException("Hashing " + file + " was cancelled");
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	/**
	 * Starts hashing a file on a thread of its own. A backup or restore reads every byte twice,
	 * once for SQLite's check and once for the SHA-256; the check is CPU-bound in SQLite and the
	 * hash in the JVM, so running them side by side takes about as long as the longer of the
	 * two, where one after the other takes their sum (measured in BENCHMARKS.md).
	 */
	public static PendingSha256 sha256InBackground(Path file) {
		return new PendingSha256(file);
	}

	/** A SHA-256 being computed; {@link #get()} waits for it, {@link #cancel()} abandons it. */
	public static final class PendingSha256 {

		private final AtomicBoolean cancelled = new AtomicBoolean();

		private final FutureTask<String> task;

		private PendingSha256(Path file) {
			this.task = new FutureTask<>(() -> sha256(file, Long.MAX_VALUE, this.cancelled));
			Thread thread = new Thread(this.task, "sqlite-backup-sha256");
			thread.setDaemon(true);
			thread.start();
		}

		public String get() throws IOException {
			try {
				return this.task.get();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				cancel();
				throw new IOException("Interrupted while hashing", ex);
			}
			catch (ExecutionException ex) {
				if (ex.getCause() instanceof IOException io) {
					throw io;
				}
				throw new IllegalStateException(ex.getCause());
			}
		}

		public void cancel() {
			this.cancelled.set(true);
		}

	}

	/** A check that did not pass, with a message saying which and why. */
	public static final class CheckFailedException extends Exception {

		CheckFailedException(String message) {
			super(message);
		}

	}

}
