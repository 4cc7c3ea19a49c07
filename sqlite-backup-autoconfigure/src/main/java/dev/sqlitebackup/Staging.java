package dev.sqlitebackup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes a staging file the engine made, with the side files SQLite may have left beside it. */
final class Staging {

	private static final Logger logger = LoggerFactory.getLogger(Staging.class);

	private Staging() {
	}

	static void delete(@Nullable Path staging) {
		if (staging == null) {
			return;
		}
		for (String suffix : new String[] { "", "-journal", "-wal", "-shm" }) {
			try {
				Files.deleteIfExists(staging.resolveSibling(staging.getFileName() + suffix));
			}
			catch (IOException ex) {
				logger.warn("Could not delete staging file {}{} (it is removed by the next backup): {}", staging,
						suffix, Messages.describe(ex));
			}
		}
	}

}
