package dev.sqlitebackup.engine;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

/**
 * The read transaction continuous backup keeps open between passes so that SQLite never restarts
 * the WAL before its frames were copied (see {@code WalCapture}), and the spare connection that takes
 * it over: the next read transaction is opened before the previous one is closed, so that one is
 * always held. The spare also asks SQLite where the WAL ends and runs the capture's checkpoints.
 */
public final class ReadHold implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(ReadHold.class);

	private final Path file;

	private final Duration busyTimeout;

	/** The connection whose read transaction keeps the WAL from restarting unseen. */
	private @Nullable SQLiteConnection hold;

	/** The connection that takes over the read transaction next. */
	private @Nullable SQLiteConnection spare;

	public ReadHold(Path file, Duration busyTimeout) {
		this.file = file;
		this.busyTimeout = busyTimeout;
	}

	/** Whether a read transaction is held. */
	public boolean isHeld() {
		return this.hold != null;
	}

	/** Opens the first read transaction, on a connection of its own. */
	public void begin() throws SQLException {
		this.hold = beginRead(SqliteConnections.openLive(this.file, this.busyTimeout));
	}

	/** Opens the next read transaction before closing the previous one, so that one is always held. */
	public void renew() throws SQLException {
		SQLiteConnection next = beginRead(spare());
		endRead(this.hold);
		this.spare = this.hold;
		this.hold = next;
	}

	/** The connection not in a transaction, for questions SQLite answers only outside one. */
	public SQLiteConnection spare() throws SQLException {
		if (this.spare == null) {
			this.spare = SqliteConnections.openLive(this.file, this.busyTimeout);
		}
		return this.spare;
	}

	/**
	 * Runs a PASSIVE checkpoint while the read transaction is held and writers go on: it copies
	 * into the database file the frames up to where the hold reads, which are shipped, so that the
	 * checkpoint under a write barrier that follows has only the rest to copy and writers wait for
	 * that alone. The WAL cannot restart meanwhile: the hold still reads it.
	 */
	public void checkpointAhead(String database) {
		try (Statement checkpoint = spare().createStatement();
				ResultSet result = checkpoint.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
			if (result.next()) {
				logger.debug("Checkpoint ahead of the barrier of database '{}': busy {}, {} frames, {} checkpointed",
						database, result.getInt(1), result.getInt(2), result.getInt(3));
			}
		}
		catch (SQLException ex) {
			// The checkpoint under the barrier copies everything then.
			logger.debug("Checkpoint ahead of the barrier of database '{}' did not run: {}", database, ex.getMessage());
		}
	}

	/**
	 * Lets go of the read transaction, runs a PASSIVE checkpoint and holds a new one; the caller
	 * holds a write barrier, so nothing commits in between.
	 * @return whether every frame of the WAL is in the database file now
	 */
	public boolean checkpointUnderBarrier(String database) throws SQLException {
		SQLiteConnection checkpointer = spare();
		endRead(this.hold);
		boolean complete = false;
		try (Statement checkpoint = checkpointer.createStatement();
				ResultSet result = checkpoint.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
			if (result.next()) {
				logger.debug("Checkpoint of database '{}': busy {}, {} frames, {} checkpointed", database,
						result.getInt(1), result.getInt(2), result.getInt(3));
				complete = result.getInt(1) == 0 && result.getInt(2) == result.getInt(3);
			}
		}
		this.spare = this.hold;
		this.hold = beginRead(checkpointer);
		return complete;
	}

	/** Lets go of the read transaction and both connections. */
	@Override
	public void close() {
		for (SQLiteConnection connection : new SQLiteConnection[] { this.hold, this.spare }) {
			if (connection != null) {
				try {
					connection.close();
				}
				catch (SQLException ex) {
					logger.debug("Could not close a connection of continuous backup: {}", ex.getMessage());
				}
			}
		}
		this.hold = null;
		this.spare = null;
	}

	private static SQLiteConnection beginRead(SQLiteConnection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("BEGIN");
			// A read transaction takes its snapshot (and its read mark) at its first read.
			statement.executeQuery("SELECT count(*) FROM sqlite_schema").close();
		}
		return connection;
	}

	private static void endRead(@Nullable SQLiteConnection connection) throws SQLException {
		if (connection != null) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("ROLLBACK");
			}
		}
	}

}
