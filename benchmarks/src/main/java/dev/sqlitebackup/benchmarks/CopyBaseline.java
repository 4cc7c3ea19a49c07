package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The baseline every ratio is taken against: {@code cp} of the live file to the same disk, then
 * {@code fsync} of the copy, which is deleted again.
 */
final class CopyBaseline {

	static final String TARGET_NAME = "cp-target.db";

	private CopyBaseline() {
	}

	/** Seconds to copy {@code file} into {@code directory} with {@code cp} and fsync the copy. */
	static double cpAndFsync(Path file, Path directory) throws IOException, InterruptedException {
		Path target = directory.resolve(TARGET_NAME);
		Files.deleteIfExists(target);
		long started = System.nanoTime();
		Process cp = new ProcessBuilder("cp", file.toString(), target.toString()).inheritIO().start();
		if (cp.waitFor() != 0) {
			throw new IllegalStateException("cp failed");
		}
		try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
			channel.force(true);
		}
		double seconds = (System.nanoTime() - started) / 1e9;
		Files.delete(target);
		return seconds;
	}

}
