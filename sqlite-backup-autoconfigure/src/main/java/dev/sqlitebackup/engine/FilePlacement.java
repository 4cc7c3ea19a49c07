package dev.sqlitebackup.engine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Puts a file built in staging in place under its final name, whole or not at all. */
public final class FilePlacement {

	private static final Logger logger = LoggerFactory.getLogger(FilePlacement.class);

	private static final String TEMPORARY_MARK = ".restoring-";

	private FilePlacement() {
	}

	/** A glob of the temporary names a placement into {@code target} uses until it is done. */
	public static String temporaryNamePattern(Path target) {
		return "." + target.getFileName().toString().replaceAll("([*?\\[\\]{}\\\\])", "\\\\$1") + TEMPORARY_MARK + "*";
	}

	/**
	 * Puts the built file in place under its final name in one step, so that it appears whole:
	 * moved next to it (copied when it is on another file system) and forced to disk, then linked
	 * under its name, which fails rather than replace a file that appeared meanwhile.
	 */
	public static void moveInto(Path built, Path target) throws IOException {
		Path directory = target.getParent();
		if (directory == null || !Files.isDirectory(directory)) {
			throw new IOException("its folder " + directory + " does not exist");
		}
		Path temporary = directory.resolve("." + target.getFileName() + TEMPORARY_MARK + Long.toHexString(System.nanoTime()));
		try {
			try {
				Files.move(built, temporary, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.copy(built, temporary);
			}
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
				channel.force(true);
			}
			try {
				// No replacing: a file that appeared meanwhile is not overwritten.
				Files.createLink(target, temporary);
			}
			catch (UnsupportedOperationException ex) {
				Files.move(temporary, target);
			}
		}
		finally {
			Files.deleteIfExists(temporary);
		}
		try (FileChannel folder = FileChannel.open(directory, StandardOpenOption.READ)) {
			folder.force(true);
		}
		catch (IOException ex) {
			logger.debug("Could not force folder {} to disk: {}", directory, ex.getMessage());
		}
	}

}
