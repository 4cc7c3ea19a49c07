package dev.sqlitebackup.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SegmentContent;

/** Reads and writes a segment's manifest as a small {@code .properties} text, like a backup's. */
public final class SegmentManifestFormat {

	private static final String MAC = "mac";

	private SegmentManifestFormat() {
	}

	/** The manifest text of a segment, with its MAC when it has one. */
	public static String write(Segment segment) {
		Properties properties = new Properties();
		SegmentContent.fields(segment).forEach(properties::setProperty);
		if (segment.manifestMac() != null) {
			properties.setProperty(MAC, segment.manifestMac());
		}
		StringWriter text = new StringWriter();
		try {
			properties.store(text, "sqlite-backup segment");
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return text.toString();
	}

	/**
	 * Parses a segment manifest.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static Segment read(Reader reader) throws IOException {
		Properties properties = new Properties();
		properties.load(reader);
		Map<String, String> fields = new LinkedHashMap<>();
		properties.stringPropertyNames().forEach((name) -> fields.put(name, properties.getProperty(name)));
		return SegmentContent.parse(fields, fields.get(MAC));
	}

}
