package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises backups dated after the current time, which a clock set back after they were taken
 * leaves behind. Ids sort by creation time, so such backups would pass for the newest: they must
 * neither count as fresh nor push the backups taken since out of retention.
 */
public final class FutureDatedBackups {

	/**
	 * How far after the current time a backup may be dated and still count as ordinary: hosts that
	 * share a store never agree on the time to the millisecond.
	 */
	public static final Duration TOLERANCE = Duration.ofMinutes(1);

	private static final Logger logger = LoggerFactory.getLogger(FutureDatedBackups.class);

	// Health checks and scheduled runs list the same backups again and again; one WARN per backup is enough.
	private static final Set<String> warned = ConcurrentHashMap.newKeySet();

	private FutureDatedBackups() {
	}

	/** Whether the backup is dated more than {@link #TOLERANCE} after {@code now}. */
	public static boolean isFutureDated(Backup backup, Instant now) {
		return backup.createdAt().isAfter(now.plus(TOLERANCE));
	}

	/** The backups among these that are not future-dated, in the same order. */
	public static List<Backup> datedBefore(List<Backup> backups, Instant now) {
		return backups.stream().filter((backup) -> !isFutureDated(backup, now)).toList();
	}

	/**
	 * The future-dated backups among these, in the same order; logs a WARN the first time this
	 * process sees each of them.
	 */
	public static List<Backup> warnAbout(List<Backup> backups, Instant now) {
		List<Backup> futureDated = backups.stream().filter((backup) -> isFutureDated(backup, now)).toList();
		for (Backup backup : futureDated) {
			if (warned.add(backup.database() + "/" + backup.id())) {
				logger.warn("Backup {} of database '{}' is dated {}, after the current time {}: the clock looks set "
						+ "back. It is kept, but counts neither as the newest backup for health nor towards "
						+ "retention's counts until the clock passes it; delete it once you no longer need it",
						backup.id(), backup.database(), backup.createdAt(), now);
			}
		}
		return futureDated;
	}

}
