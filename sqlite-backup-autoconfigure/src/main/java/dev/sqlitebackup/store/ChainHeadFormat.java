package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import dev.sqlitebackup.ChainHead;

/** Reads and writes a chain's head record as a small {@code .properties} text, like a segment manifest. */
public final class ChainHeadFormat {

	private static final String MAC = "mac";

	private ChainHeadFormat() {
	}

	/** The text of a head record, with its MAC when it has one. */
	public static String write(ChainHead head) {
		Properties properties = new Properties();
		head.fields().forEach(properties::setProperty);
		if (head.mac() != null) {
			properties.setProperty(MAC, head.mac());
		}
		StringWriter text = new StringWriter();
		try {
			properties.store(text, "sqlite-backup chain head");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return text.toString();
	}

	/**
	 * Parses a head record.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static ChainHead read(Reader reader) throws IOException {
		Properties properties = new Properties();
		properties.load(reader);
		Map<String, String> fields = new LinkedHashMap<>();
		properties.stringPropertyNames().forEach((name) -> fields.put(name, properties.getProperty(name)));
		return ChainHead.parse(fields, fields.get(MAC));
	}

}
