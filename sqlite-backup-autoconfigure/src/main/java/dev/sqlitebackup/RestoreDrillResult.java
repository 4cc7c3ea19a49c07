package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What one restore drill found: whether the newest backup (with continuous backup, the latest
 * captured point) restored into a scratch copy and passed every check.
 *
 * @param database name of the database
 * @param passed whether the restore and every check passed
 * @param backupId the backup restored, or the snapshot the restored chain starts from; {@code null}
 * when the store held none
 * @param restoredTo with continuous backup, when the newest transaction restored was captured; else {@code null}
 * @param stateAt when the restored state was captured (the backup's time or the point's), {@code null}
 * when nothing was restored
 * @param checkedAt when the drill started
 * @param duration how long it took
 * @param problems why it failed, empty when it passed
 * @param checks the application's checks ({@link RestoreDrillCheck}) and what each found
 */
public record RestoreDrillResult(String database, boolean passed, @Nullable String backupId,
		@Nullable Instant restoredTo, @Nullable Instant stateAt, Instant checkedAt, Duration duration,
		List<String> problems, List<CheckOutcome> checks) {

	public RestoreDrillResult {
		problems = List.copyOf(problems);
		checks = List.copyOf(checks);
	}

	/** How old the restored state was when the drill started; {@code null} when nothing was restored. */
	public @Nullable Duration age() {
		return (this.stateAt != null) ? Duration.between(this.stateAt, this.checkedAt) : null;
	}

	/**
	 * What one of the application's checks found.
	 *
	 * @param name the check's name
	 * @param passed whether it passed
	 * @param message what it found, or why it failed; {@code null} when it said nothing
	 */
	public record CheckOutcome(String name, boolean passed, @Nullable String message) {
	}

}
