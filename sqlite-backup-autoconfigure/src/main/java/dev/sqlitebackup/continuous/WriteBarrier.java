package dev.sqlitebackup.continuous;

import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.engine.SqliteConnections;

/**
 * A write barrier on a live database: its own connection holding the write lock
 * ({@code BEGIN IMMEDIATE}), so that nothing commits until it is closed, which rolls back. Continuous
 * backup reads the WAL's end, pins snapshots and checkpoints under one.
 */
final class WriteBarrier implements AutoCloseable {

	/** How long one attempt to take the lock waits. */
	private static final int ATTEMPT_MILLIS = 20;

	private final SQLiteConnection connection;

	private final Statement statement;

	private WriteBarrier(SQLiteConnection connection, Statement statement) {
		this.connection = connection;
		this.statement = statement;
	}

	/**
	 * Takes the write lock, trying for at most {@code wait}. SQLite's busy handler sleeps longer and
	 * longer between attempts and so loses every race for the lock to writers that commit back to
	 * back; short attempts win one of the gaps between them.
	 * @throws SQLException when the lock could not be had in time (SQLite's BUSY) or the database
	 * cannot be opened
	 */
	static WriteBarrier take(Path file, Duration wait) throws SQLException {
		SQLiteConnection connection = SqliteConnections.openLive(file, wait);
		try {
			Statement statement = connection.createStatement();
			long deadline = System.nanoTime() + wait.toNanos();
			statement.execute("PRAGMA busy_timeout=" + ATTEMPT_MILLIS);
			while (true) {
				try {
					statement.execute("BEGIN IMMEDIATE");
					return new WriteBarrier(connection, statement);
				}
				catch (SQLException ex) {
					if ((ex.getErrorCode() & 0xFF) != 5 || System.nanoTime() > deadline) {
						throw ex;
					}
					sleepBriefly(ex);
				}
			}
		}
		catch (SQLException | RuntimeException ex) {
			connection.close();
			throw ex;
		}
	}

	/** Runs work while nothing can commit, under a barrier of its own taken within {@code wait}. */
	static <T> T whileWritersWait(Path file, Duration wait, Work<T> work) throws SQLException, java.io.IOException {
		try (WriteBarrier barrier = take(file, wait)) {
			return work.run();
		}
	}

	private static void sleepBriefly(SQLException busy) throws SQLException {
		try {
			Thread.sleep(1);
		}
		catch (InterruptedException interrupted) {
			Thread.currentThread().interrupt();
			throw busy;
		}
	}

	/** Lifts the barrier: rolls back and closes its connection. */
	@Override
	public void close() throws SQLException {
		try {
			this.statement.execute("ROLLBACK");
		}
		finally {
			this.connection.close();
		}
	}

	/** Work done under the write barrier. */
	@FunctionalInterface
	interface Work<T> {

		T run() throws SQLException, java.io.IOException;

	}

}
