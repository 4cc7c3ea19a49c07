package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.pointintime.WalFrames;

/**
 * Where SQLite's committed frames of a WAL end, as SQLite itself counts them: the generation the
 * {@code -wal} file holds and the number of frames its WAL index says are committed in it.
 * <p>
 * The bytes alone cannot say it: a writer killed in the middle of a commit leaves frames past the
 * committed end, commit frame included, with valid salts and checksums, and the next writer
 * overwrites them. {@code PRAGMA wal_checkpoint(NOOP)} reports the frames in the WAL index and does
 * nothing else; the file's header, read before and after it, shows that the count belongs to the
 * generation in the file (a restart always changes the salts).
 *
 * @param header the WAL's header, {@code null} when the file is missing or empty
 * @param frames frames SQLite counts as committed in that generation
 * @param at when the count was read: every transaction acknowledged before it is within these frames
 */
record WalEnd(WalFrames.@Nullable Header header, long frames, Instant at) {

	/** How often the count is read again when the WAL restarted meanwhile. */
	private static final int ATTEMPTS = 5;

	/**
	 * Reads the committed end of the WAL of a database.
	 * @param probe a connection to the database that is not in a transaction
	 * @throws SQLException when the database is not in WAL mode or SQLite cannot say
	 * @throws IOException when the WAL cannot be read, or kept restarting while it was read
	 */
	static WalEnd read(SQLiteConnection probe, Path wal, Clock clock) throws SQLException, IOException {
		boolean noWal = false;
		for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
			WalFrames.Header before = header(wal);
			Instant at = clock.instant();
			long frames = indexedFrames(probe);
			WalFrames.Header after = header(wal);
			if (frames < 0) {
				// Seen for a moment under load while other connections open and close the WAL: asked
				// again; only an answer that stays says the database left WAL mode.
				noWal = true;
				pause();
				continue;
			}
			if (Objects.equals(before, after)) {
				return new WalEnd(before, (before != null) ? frames : 0, at);
			}
		}
		if (noWal) {
			throw new SQLException("SQLite reports no WAL for the database (is it still in WAL mode?)");
		}
		throw new IOException("the WAL restarted " + ATTEMPTS + " times while its committed end was read");
	}

	private static void pause() throws IOException {
		try {
			Thread.sleep(5);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while reading the end of the WAL", ex);
		}
	}

	/** Offset in the WAL just after the last committed frame. */
	long endOffset() {
		return (this.header == null) ? WalFrames.HEADER_SIZE
				: WalFrames.HEADER_SIZE + this.frames * (WalFrames.FRAME_HEADER_SIZE + this.header.pageSize());
	}

	/** Frames SQLite has indexed in the WAL, or {@code -1} when it reports no WAL. */
	private static long indexedFrames(SQLiteConnection probe) throws SQLException {
		try (Statement statement = probe.createStatement();
				ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(NOOP)")) {
			return result.next() ? result.getLong(2) : -1;
		}
	}

	private static WalFrames.@Nullable Header header(Path wal) throws IOException {
		try (FileChannel channel = FileChannel.open(wal, StandardOpenOption.READ)) {
			return WalFrames.readHeader(channel);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
	}

}
