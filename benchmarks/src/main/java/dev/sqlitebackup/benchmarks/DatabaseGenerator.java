package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;

import org.sqlite.SQLiteConfig;

/**
 * Builds a deterministic, application-like SQLite database of about a given size. The default
 * {@link Profile#MIXED mixed} profile holds customers and orders (small rows, secondary and unique
 * indexes), an event log (medium text rows) and attachments (blobs from 16 KiB to 4 MiB), so that a
 * copy sees interior pages, overflow chains and index pages in realistic proportions; the
 * {@link Profile#TEXT text} profile holds text and JSON rows only
 * ({@link TextDatabaseGenerator}). The same profile, size and seed always give the same content.
 */
final class DatabaseGenerator {

	/** Bumped whenever the mixed content changes, so that cached files are rebuilt. */
	private static final int VERSION = 1;

	private static final long SEED = 20261124L;

	private DatabaseGenerator() {
	}

	/** What the generated database holds, chosen with {@code --data=mixed} (the default) or {@code --data=text}. */
	enum Profile {

		/** Rows, an event log of random characters and attachments of random bytes. */
		MIXED("mixed", "generated-v" + VERSION, ""),

		/** Application rows of text and JSON, no blobs. */
		TEXT("text", "generated-text-v" + TextDatabaseGenerator.VERSION, ", text/JSON rows");

		private final String option;

		private final String filePrefix;

		private final String headingSuffix;

		Profile(String option, String filePrefix, String headingSuffix) {
			this.option = option;
			this.filePrefix = filePrefix;
			this.headingSuffix = headingSuffix;
		}

		/** The profile named by {@code --data}. */
		static Profile of(String option) {
			for (Profile profile : values()) {
				if (profile.option.equals(option)) {
					return profile;
				}
			}
			throw new IllegalArgumentException("--data must be mixed or text, not " + option);
		}

		String option() {
			return this.option;
		}

		/** What a table's heading adds after its name: nothing for the default profile. */
		String headingSuffix() {
			return this.headingSuffix;
		}

	}

	/** The generated database for this profile and size, built once and cached in {@code directory}. */
	static Path generated(Path directory, Profile profile, long targetBytes) throws IOException, SQLException {
		Path file = directory.resolve(profile.filePrefix + "-" + targetBytes + ".db");
		if (Files.isRegularFile(file)) {
			return file;
		}
		Files.createDirectories(directory);
		Path building = directory.resolve(file.getFileName() + ".building");
		Files.deleteIfExists(building);
		if (profile == Profile.TEXT) {
			TextDatabaseGenerator.build(building, targetBytes);
		}
		else {
			build(building, targetBytes);
		}
		Files.move(building, file, StandardCopyOption.REPLACE_EXISTING);
		return file;
	}

	/** A fresh copy of the generated database in the given journal mode ({@code WAL} or {@code DELETE}). */
	static Path liveCopy(Path generated, Path target, String journalMode) throws IOException, SQLException {
		for (String suffix : new String[] { "", "-wal", "-shm", "-journal" }) {
			Files.deleteIfExists(target.resolveSibling(target.getFileName() + suffix));
		}
		Files.copy(generated, target);
		try (Connection connection = new SQLiteConfig().createConnection("jdbc:sqlite:" + target);
				Statement statement = connection.createStatement()) {
			statement.execute("PRAGMA journal_mode=" + journalMode);
		}
		return target;
	}

	private static void build(Path file, long targetBytes) throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.OFF);
		config.setSynchronous(SQLiteConfig.SynchronousMode.OFF);
		try (Connection connection = config.createConnection("jdbc:sqlite:" + file);
				Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
					+ "name TEXT NOT NULL, country TEXT NOT NULL, created INTEGER NOT NULL)");
			statement.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, "
					+ "status TEXT NOT NULL, total_cents INTEGER NOT NULL, created INTEGER NOT NULL, note TEXT)");
			statement.execute("CREATE INDEX orders_customer ON orders (customer_id, created)");
			statement.execute("CREATE INDEX orders_status ON orders (status)");
			statement.execute("CREATE TABLE event_log (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, "
					+ "kind TEXT NOT NULL, payload TEXT NOT NULL)");
			statement.execute("CREATE INDEX event_log_ts ON event_log (ts)");
			statement.execute("CREATE TABLE attachment (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL, "
					+ "name TEXT NOT NULL, mime TEXT NOT NULL, data BLOB NOT NULL)");
			statement.execute("CREATE INDEX attachment_order ON attachment (order_id)");
			connection.setAutoCommit(false);
			SplittableRandom random = new SplittableRandom(SEED);
			long customers = 0;
			long orders = 0;
			long events = 0;
			long attachments = 0;
			try (PreparedStatement customer = connection.prepareStatement("INSERT INTO customer VALUES (?, ?, ?, ?, ?)");
					PreparedStatement order = connection.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)");
					PreparedStatement event = connection.prepareStatement("INSERT INTO event_log VALUES (?, ?, ?, ?)");
					PreparedStatement attachment = connection
						.prepareStatement("INSERT INTO attachment VALUES (?, ?, ?, ?, ?)")) {
				while (sizeOf(connection) < targetBytes) {
					// One chunk is ~4 MB: about 40% rows, 60% blobs, like an app that stores documents.
					for (int i = 0; i < 500; i++) {
						customers++;
						customer.setLong(1, customers);
						customer.setString(2, "user" + customers + "@" + text(random, 6) + ".example");
						customer.setString(3, text(random, 8 + random.nextInt(16)));
						customer.setString(4, COUNTRIES[random.nextInt(COUNTRIES.length)]);
						customer.setLong(5, 1_600_000_000L + customers * 37);
						customer.addBatch();
					}
					customer.executeBatch();
					for (int i = 0; i < 3_000; i++) {
						orders++;
						order.setLong(1, orders);
						order.setLong(2, 1 + random.nextLong(customers));
						order.setString(3, STATUSES[random.nextInt(STATUSES.length)]);
						order.setLong(4, random.nextLong(1_000_000));
						order.setLong(5, 1_600_000_000L + orders * 11);
						order.setString(6, (random.nextInt(4) == 0) ? text(random, 20 + random.nextInt(200)) : null);
						order.addBatch();
					}
					order.executeBatch();
					for (int i = 0; i < 4_000; i++) {
						events++;
						event.setLong(1, events);
						event.setLong(2, 1_600_000_000_000L + events * 250);
						event.setString(3, KINDS[random.nextInt(KINDS.length)]);
						event.setString(4, text(random, 100 + random.nextInt(300)));
						event.addBatch();
					}
					event.executeBatch();
					for (int i = 0; i < 8; i++) {
						attachments++;
						int size = (random.nextInt(10) == 0) ? 1_048_576 + random.nextInt(3 * 1_048_576)
								: 16_384 + random.nextInt(400_000);
						attachment.setLong(1, attachments);
						attachment.setLong(2, 1 + random.nextLong(orders));
						attachment.setString(3, "file-" + attachments + ".bin");
						attachment.setString(4, "application/octet-stream");
						attachment.setBytes(5, bytes(random, size));
						attachment.executeUpdate();
					}
					connection.commit();
				}
			}
			connection.setAutoCommit(true);
			statement.execute("ANALYZE");
		}
	}

	private static long sizeOf(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				var rows = statement.executeQuery("SELECT page_count * page_size FROM pragma_page_count, pragma_page_size")) {
			rows.next();
			return rows.getLong(1);
		}
	}

	private static final String[] COUNTRIES = { "DE", "FR", "US", "GB", "JP", "BR", "IN", "NL", "SE", "ES" };

	private static final String[] STATUSES = { "new", "paid", "shipped", "delivered", "cancelled", "refunded" };

	private static final String[] KINDS = { "login", "logout", "view", "search", "cart", "checkout", "error" };

	private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz      0123456789.,;-".toCharArray();

	private static String text(SplittableRandom random, int length) {
		char[] chars = new char[length];
		for (int i = 0; i < length; i++) {
			chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
		}
		return new String(chars);
	}

	private static byte[] bytes(SplittableRandom random, int length) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i += 8) {
			long value = random.nextLong();
			for (int j = 0; j < 8 && i + j < length; j++) {
				bytes[i + j] = (byte) (value >>> (8 * j));
			}
		}
		return bytes;
	}

}
