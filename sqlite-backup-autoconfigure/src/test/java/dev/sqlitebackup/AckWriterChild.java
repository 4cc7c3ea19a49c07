package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

import org.sqlite.SQLiteConfig;

/**
 * A writer in another process for {@link WritesAroundRestoreTests}: commits one numbered row after
 * another into {@code ack(writer, seq)} and prints {@code ACK <seq>} only after each commit returned,
 * until its standard input closes. Commits that fail (a busy timeout during a restore) are not
 * acknowledged and are retried under a new number. An optional third argument pauses that many
 * milliseconds between transactions.
 */
public final class AckWriterChild {

	private AckWriterChild() {
	}

	public static void main(String[] args) throws Exception {
		Path database = Path.of(args[0]);
		String writer = args[1];
		long pauseMillis = (args.length > 2) ? Long.parseLong(args[2]) : 0;
		Thread stopper = new Thread(() -> {
			try (BufferedReader input = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
				while (input.readLine() != null) {
					// Runs until the parent closes the pipe.
				}
			}
			catch (Exception ex) {
				// Same as closed.
			}
			System.exit(0);
		});
		stopper.setDaemon(true);
		SQLiteConfig config = new SQLiteConfig();
		config.setBusyTimeout(2_000);
		try (Connection connection = config.createConnection("jdbc:sqlite:" + database);
				PreparedStatement insert = connection.prepareStatement("INSERT INTO ack (writer, seq) VALUES (?, ?)")) {
			System.out.println("READY");
			System.out.flush();
			stopper.start();
			for (long seq = 1;; seq++) {
				insert.setString(1, writer);
				insert.setLong(2, seq);
				try {
					insert.executeUpdate();
				}
				catch (SQLException ex) {
					continue;
				}
				System.out.println("ACK " + seq);
				System.out.flush();
				if (pauseMillis > 0) {
					Thread.sleep(pauseMillis);
				}
			}
		}
	}

}
