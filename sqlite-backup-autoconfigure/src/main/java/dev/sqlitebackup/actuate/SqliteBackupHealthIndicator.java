package dev.sqlitebackup.actuate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.FutureDatedBackups;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Health of the backups of every database: down when the newest backup of a database is older than
 * its maximum age, or when the last backup attempt failed; details per database. The age counts
 * from the newer of the newest backup and the application's start, so that neither a fresh
 * deployment nor a restart after downtime is down before it had a chance to take a backup, yet an
 * application that gets none goes down. A backup that fails after the start, such as the
 * scheduler's catch-up of a run missed during the downtime, turns it down at once.
 *
 * <p>
 * Backups dated after the current time (see {@link FutureDatedBackups}) are listed in the details
 * with a warning but never count as the newest: the age is that of the newest backup dated before
 * now, and a database with a maximum age whose every backup is future-dated is down.
 *
 * <p>
 * It learns about failed attempts as a {@link BackupListener} of the template, so only attempts
 * since the application started count.
 */
public class SqliteBackupHealthIndicator extends AbstractHealthIndicator implements BackupListener, AutoCloseable {

	/** How long a probe waits for a listing of the store: below a Kubernetes probe's default 1 s timeout. */
	static final Duration LISTING_WAIT = Duration.ofMillis(700);

	private final SqliteBackupTemplate template;

	private final Function<String, @Nullable Duration> maxAges;

	private final @Nullable Duration maxCaptureLag;

	private final Clock clock;

	private final Instant startedAt;

	private final Map<String, Failure> lastFailures = new ConcurrentHashMap<>();

	private final StoreListings listings;

	private volatile @Nullable Duration maxSinceDrillPassed;

	/**
	 * Creates an indicator.
	 * @param template the template whose databases are checked
	 * @param maxAges maximum age of the newest backup by database name, {@code null} for no limit
	 */
	public SqliteBackupHealthIndicator(SqliteBackupTemplate template, Function<String, @Nullable Duration> maxAges) {
		this(template, maxAges, null, Clock.systemUTC());
	}

	/**
	 * Creates an indicator that also judges continuous backup.
	 * @param template the template whose databases are checked
	 * @param maxAges maximum age of the newest backup by database name, {@code null} for no limit
	 * @param maxCaptureLag how long ago the last successful pass of continuous backup may be before
	 * a database is down, {@code null} for no limit
	 */
	public SqliteBackupHealthIndicator(SqliteBackupTemplate template, Function<String, @Nullable Duration> maxAges,
			@Nullable Duration maxCaptureLag) {
		this(template, maxAges, maxCaptureLag, Clock.systemUTC());
	}

	SqliteBackupHealthIndicator(SqliteBackupTemplate template, Function<String, @Nullable Duration> maxAges,
			Clock clock) {
		this(template, maxAges, null, clock);
	}

	SqliteBackupHealthIndicator(SqliteBackupTemplate template, Function<String, @Nullable Duration> maxAges,
			@Nullable Duration maxCaptureLag, Clock clock) {
		super("SQLite backup health check failed");
		this.template = template;
		this.maxAges = maxAges;
		this.maxCaptureLag = maxCaptureLag;
		this.clock = clock;
		this.startedAt = clock.instant();
		this.listings = new StoreListings(template::list, LISTING_WAIT, clock);
	}

	/**
	 * Turns the health of a database down when no restore drill passed for this long (counted
	 * from the application's start until one did); {@code null}, the default, for no limit. A
	 * drill that failed turns it down either way.
	 */
	public void setMaxSinceDrillPassed(@Nullable Duration maxSinceDrillPassed) {
		this.maxSinceDrillPassed = maxSinceDrillPassed;
	}

	/** Stops the listings that probes left running. */
	@Override
	public void close() {
		this.listings.close();
	}

	@Override
	public void backupCompleted(Backup backup) {
		this.lastFailures.remove(backup.database());
	}

	@Override
	public void backupFailed(String database, BackupTrigger trigger, Duration elapsed, Exception failure) {
		this.lastFailures.put(database, new Failure(this.clock.instant(), trigger, String.valueOf(failure.getMessage())));
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		boolean down = false;
		Map<String, Object> databases = new LinkedHashMap<>();
		for (String database : this.template.getDatabaseNames().stream().sorted().toList()) {
			Map<String, Object> details = new LinkedHashMap<>();
			boolean healthy = check(database, details);
			details.put("status", healthy ? Status.UP.getCode() : Status.DOWN.getCode());
			databases.put(database, details);
			down |= !healthy;
		}
		builder.status(down ? Status.DOWN : Status.UP).withDetail("databases", databases);
	}

	private boolean check(String database, Map<String, Object> details) {
		boolean healthy = true;
		Instant now = this.clock.instant();
		Optional<Backup> newest;
		List<Backup> futureDated = List.of();
		StoreListings.View view = this.listings.view(database);
		StoreListings.Listing listing = view.last();
		if (listing == null) {
			// The store has not answered yet: nothing is known to be wrong, nor right.
			newest = null;
			details.put("store", Map.of("state", "listing", "forMillis",
					millisSince(view.runningSince(), now)));
		}
		else if (listing.failure() != null) {
			// An unreachable bucket, say: this database is down for its own reason, the others still report.
			healthy = false;
			details.put("reason", listing.failure());
			newest = null;
		}
		else {
			// A backup that cannot be authenticated (planted in the store, say) never counts as the newest.
			List<Backup> backups = listing.backups()
				.stream()
				.filter(this.template.getAuthenticity()::counts)
				.toList();
			futureDated = FutureDatedBackups.warnAbout(backups, now);
			newest = FutureDatedBackups.datedBefore(backups, now).stream().findFirst();
		}
		if (listing != null && view.runningSince() != null) {
			// The store is slower than a probe may wait: say how old what is shown is.
			details.put("store", Map.of("listedAt", listing.at().toString(), "ageMillis",
					millisSince(listing.at(), now), "listingRunningForMillis", millisSince(view.runningSince(), now)));
		}
		if (newest != null) {
			newest.ifPresent((backup) -> {
				details.put("newestBackup", backup.id());
				details.put("newestBackupAt", backup.createdAt().toString());
			});
		}
		if (!futureDated.isEmpty()) {
			details.put("futureDatedBackups", futureDated.stream().map(Backup::id).toList());
			details.put("warning", clockSetBack(futureDated, now) + "; they do not count as fresh");
		}
		Duration maxAge = this.maxAges.apply(database);
		if (maxAge != null && newest != null) {
			details.put("maxAge", maxAge.toString());
			if (!futureDated.isEmpty() && newest.isEmpty()) {
				// Not counted from the start as for a fresh deployment: there are backups, none known to be recent.
				healthy = false;
				details.put("reason", clockSetBack(futureDated, now) + ", and there is no backup dated before it");
			}
			else {
				// Counted from the start as well: a backup due while the application was down could not
				// be taken, and is caught up by the scheduler rather than reported as stale.
				Instant since = newest.map(Backup::createdAt).filter(this.startedAt::isBefore).orElse(this.startedAt);
				if (Duration.between(since, now).compareTo(maxAge) > 0) {
					healthy = false;
					String tooOld = newest.isPresent() && since.equals(newest.get().createdAt())
							? "newest backup is older than " + maxAge
							: "no backup since the application started " + Duration.between(since, now).toSeconds()
									+ " s ago";
					details.put("reason", futureDated.isEmpty() ? tooOld : clockSetBack(futureDated, now) + "; "
							+ "the newest backup dated before it is older than " + maxAge);
				}
			}
		}
		healthy &= checkContinuous(database, now, details);
		healthy &= checkDrill(database, now, details);
		Failure failure = this.lastFailures.get(database);
		if (failure != null) {
			healthy = false;
			details.put("lastFailure", Map.of("at", failure.at().toString(), "trigger",
					failure.trigger().name().toLowerCase(), "message", failure.message()));
			details.putIfAbsent("reason", "last backup attempt failed");
		}
		return healthy;
	}

	/**
	 * Continuous backup of the database, when it runs: down while its passes fail, or when the last
	 * successful one (every commit before it is in the store) is older than the allowed lag, which
	 * counts from the application's start until a first pass succeeded.
	 */
	private boolean checkContinuous(String database, Instant now, Map<String, Object> details) {
		Optional<ContinuousStatus> found;
		try {
			found = this.template.continuousStatus(database);
		}
		catch (SqliteBackupException ex) {
			details.put("continuous", Map.of("state", "unknown"));
			details.putIfAbsent("reason", ex.getMessage());
			return false;
		}
		if (found.isEmpty()) {
			return true;
		}
		ContinuousStatus status = found.get();
		Map<String, Object> continuous = new LinkedHashMap<>();
		continuous.put("state", status.state().label());
		Lease lease = status.lease();
		if (lease != null) {
			continuous.put("lease", Map.of("holder", lease.holder().describe(), "epoch", lease.epoch(), "expiresAt",
					lease.expiresAt().toString(), "released", lease.released()));
		}
		if (status.state() == ContinuousStatus.State.STANDBY) {
			// The holder captures; this instance serves as usual and takes over when it can.
			continuous.put("holder", status.lastFailure());
			details.put("continuous", continuous);
			return true;
		}
		Duration lag = Duration.between((status.lastCaptureAt() != null) ? status.lastCaptureAt() : this.startedAt, now);
		if (lag.isNegative()) {
			lag = Duration.ZERO;
		}
		continuous.put("lagMillis", lag.toMillis());
		if (status.backlogBytes() != null) {
			continuous.put("backlogBytes", status.backlogBytes());
		}
		if (status.window() != null) {
			continuous.put("restoreWindow", Map.of("from", status.window().from().toString(), "to",
					status.window().to().toString(), "gaps", status.window().gaps().size()));
		}
		if (status.lastFailure() != null) {
			continuous.put("lastFailure", status.lastFailure());
		}
		details.put("continuous", continuous);
		if (status.state() == ContinuousStatus.State.AWAITING_RESTORE) {
			details.putIfAbsent("reason", "continuous backup waits for a restore: " + status.lastFailure());
			return false;
		}
		if (status.state() == ContinuousStatus.State.FAILING) {
			details.putIfAbsent("reason", "continuous backup is failing: " + status.lastFailure());
			return false;
		}
		if (this.maxCaptureLag != null && lag.compareTo(this.maxCaptureLag) > 0) {
			details.putIfAbsent("reason", "continuous backup has shipped nothing for " + lag.toSeconds()
					+ " s, more than " + this.maxCaptureLag);
			return false;
		}
		return true;
	}

	/**
	 * The last restore drill: down when it failed, or when none passed within the allowed time
	 * (counted from the application's start until one did).
	 */
	private boolean checkDrill(String database, Instant now, Map<String, Object> details) {
		RestoreDrillResult last = this.template.lastDrill(database).orElse(null);
		if (last != null) {
			Map<String, Object> drill = new LinkedHashMap<>();
			drill.put("passed", last.passed());
			drill.put("checkedAt", last.checkedAt().toString());
			if (last.backupId() != null) {
				drill.put("backupId", last.backupId());
			}
			if (!last.problems().isEmpty()) {
				drill.put("problems", last.problems());
			}
			details.put("lastDrill", drill);
			if (!last.passed()) {
				details.putIfAbsent("reason", "the last restore drill failed: " + String.join("; ", last.problems()));
				return false;
			}
		}
		Duration allowed = this.maxSinceDrillPassed;
		Instant since = (last != null && last.checkedAt().isAfter(this.startedAt)) ? last.checkedAt() : this.startedAt;
		if (allowed != null && Duration.between(since, now).compareTo(allowed) > 0) {
			details.putIfAbsent("reason", "no restore drill passed in the last " + allowed);
			return false;
		}
		return true;
	}

	private static long millisSince(@Nullable Instant since, Instant now) {
		return (since != null) ? Math.max(0, Duration.between(since, now).toMillis()) : 0;
	}

	private static String clockSetBack(List<Backup> futureDated, Instant now) {
		return "the clock looks set back: " + futureDated.size() + " backup(s) are dated after the current time "
				+ now + ", the newest at " + futureDated.get(0).createdAt();
	}

	private record Failure(Instant at, BackupTrigger trigger, String message) {
	}

}
