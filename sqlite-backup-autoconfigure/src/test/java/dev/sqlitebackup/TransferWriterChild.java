package dev.sqlitebackup;

import java.sql.Connection;
import java.sql.SQLException;

import org.sqlite.SQLiteConfig;

/**
 * A writer in another process that captures nothing, for the chaos tests: commits transfers
 * ({@link ContinuousChaosTests#transfer}) one after another and prints {@code ACK <seq> <millis>
 * <started>} after each commit returned, until it is killed, often in the middle of one.
 * <p>
 * Arguments: {@code <database file>}.
 */
public final class TransferWriterChild {

	private TransferWriterChild() {
	}

	public static void main(String[] args) throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setBusyTimeout(20_000);
		try (Connection connection = config.createConnection("jdbc:sqlite:" + args[0])) {
			System.out.println("READY");
			System.out.flush();
			while (true) {
				try {
					long[] acked = ContinuousChaosTests.transfer(connection);
					System.out.println("ACK " + acked[0] + " " + acked[1] + " " + acked[2]);
					System.out.flush();
				}
				catch (SQLException ex) {
					// Busy: not acknowledged, tried again under the next number.
				}
			}
		}
	}

}
