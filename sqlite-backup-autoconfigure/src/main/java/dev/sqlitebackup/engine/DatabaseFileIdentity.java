package dev.sqlitebackup.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * What the file system says about a database file without opening it (opening and closing it from
 * Java would drop the POSIX locks SQLite holds on it in this process): its device and inode, its
 * size, and when its inode last changed. The change time moves with every write, truncation,
 * rename or change of attributes and cannot be set back by any program, so the same identity at two
 * moments means nobody wrote the file in between.
 */
public final class DatabaseFileIdentity {

	private DatabaseFileIdentity() {
	}

	/**
	 * The identity of the file now, as one word, or {@code null} when the file system cannot say
	 * (no Unix attributes, a missing file).
	 */
	public static @Nullable String of(Path file) {
		try {
			Map<String, Object> attributes = Files.readAttributes(file, "unix:dev,ino,size,ctime",
					LinkOption.NOFOLLOW_LINKS);
			Object ctime = attributes.get("ctime");
			if (!(ctime instanceof FileTime changed)) {
				return null;
			}
			Instant at = changed.toInstant();
			return attributes.get("dev") + ":" + attributes.get("ino") + ":" + attributes.get("size") + ":"
					+ at.getEpochSecond() + "." + String.format("%09d", at.getNano());
		}
		catch (IOException | UnsupportedOperationException | IllegalArgumentException ex) {
			return null;
		}
	}

}
