package dev.sqlitebackup.engine;

import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;

/** How the engine words causes, sizes and durations in its messages and log lines. */
public final class Messages {

	private Messages() {
	}

	/** A cause in a person's words: the file system's reason and file rather than an exception's toString. */
	public static String describe(Exception ex) {
		String message = ex.getMessage();
		if (ex instanceof NoSuchFileException) {
			return "no such file " + message;
		}
		if (ex instanceof FileSystemException fs && fs.getReason() != null) {
			return fs.getReason() + " (" + fs.getFile() + ")";
		}
		return (message != null) ? message : ex.getClass().getSimpleName();
	}

	public static String formatBytes(long bytes) {
		if (bytes < 1024 * 1024) {
			return String.format("%.1f KiB", bytes / 1024.0);
		}
		return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
	}

	/** Elapsed time to the millisecond, the precision manifests keep. */
	public static Duration elapsedSince(long startNanos) {
		return Duration.ofMillis((System.nanoTime() - startNanos) / 1_000_000);
	}

}
