package dev.sqlitebackup.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A digest of every row of every table, for confirming a restore where SQLite's own return code
 * cannot be trusted (in-memory databases, reachable only through sqlite-jdbc's {@code restore()}).
 * Reads the whole database, so it is used only there.
 */
public final class ContentDigest {

	private ContentDigest() {
	}

	public static String of(Connection connection) throws SQLException {
		MessageDigest digest = sha256();
		List<String> tables = new ArrayList<>();
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement
					.executeQuery("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")) {
			while (rows.next()) {
				tables.add(rows.getString(1));
			}
		}
		for (String table : tables) {
			digest.update(table.getBytes(StandardCharsets.UTF_8));
			try (Statement statement = connection.createStatement();
					ResultSet rows = statement.executeQuery("SELECT * FROM \"" + table.replace("\"", "\"\"") + "\"")) {
				int columns = rows.getMetaData().getColumnCount();
				while (rows.next()) {
					digest.update((byte) 'R');
					for (int column = 1; column <= columns; column++) {
						byte[] value = rows.getBytes(column);
						if (value == null) {
							digest.update((byte) 'N');
						}
						else {
							digest.update((byte) 'V');
							digest.update(intBytes(value.length));
							digest.update(value);
						}
					}
				}
			}
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private static byte[] intBytes(int value) {
		return new byte[] { (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value };
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
