package dev.sqlitebackup.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.Gap;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.RestoreWindow.ChainSummary;

/**
 * The JSON bodies that {@link SqliteBackupEndpoint} answers with, each made from the engine's model.
 */
public final class SqliteBackupDescriptors {

	private SqliteBackupDescriptors() {
	}

	// Actuator's JSON leaves out null values; the contract promises "operation": null and
	// "safetyBackupId": null instead, so that clients can read those keys without checking.

	/**
	 * Every database the engine backs up.
	 *
	 * @param databases the databases, by name
	 */
	public record DatabasesDescriptor(List<DatabaseDescriptor> databases) implements OperationResponseBody {

	}

	/**
	 * One database, its backups and its running operation.
	 *
	 * @param name name of the database (its {@code DataSource} bean name)
	 * @param backups published backups, newest first
	 * @param operation operation running on the database, or {@code null}
	 * @param continuous continuous backup of the database, or {@code null} when it is off
	 * @param lastDrill the last restore drill this application ran, or {@code null}
	 */
	public record DatabaseDescriptor(String name, List<BackupDescriptor> backups,
			@JsonInclude(Include.ALWAYS) @Nullable OperationDescriptor operation,
			@JsonInclude(Include.ALWAYS) @Nullable ContinuousDescriptor continuous,
			@JsonInclude(Include.ALWAYS) @Nullable DrillDescriptor lastDrill) implements OperationResponseBody {

		/** A database without continuous backup, and no drill yet. */
		public DatabaseDescriptor(String name, List<BackupDescriptor> backups, @Nullable OperationDescriptor operation) {
			this(name, backups, operation, null, null);
		}

	}

	/**
	 * Continuous backup of one database.
	 *
	 * @param state {@code starting}, {@code running}, {@code failing}, {@code standby} or
	 * {@code awaiting-restore}
	 * @param lagMillis how long ago a pass last found everything committed shipped, {@code null}
	 * before the first one
	 * @param restoreWindow the instants a restore can reach, {@code null} when there are none
	 * @param chains the chains that make up the window, oldest first
	 * @param backlogBytes bytes committed and not yet in the store when the last pass read the WAL
	 * (what waits while the store cannot take them), {@code null} before the first pass
	 * @param lease the lease on the store, {@code null} when continuous backup takes none
	 */
	public record ContinuousDescriptor(String state, @JsonInclude(Include.ALWAYS) @Nullable Long lagMillis,
			@JsonInclude(Include.ALWAYS) @Nullable RestoreWindowDescriptor restoreWindow, List<ChainDescriptor> chains,
			@Nullable Long backlogBytes, @Nullable LeaseDescriptor lease) {

		static ContinuousDescriptor of(ContinuousStatus status, Instant now) {
			Duration lag = status.lag(now);
			RestoreWindow window = status.window();
			RestoreWindowDescriptor windowDescriptor = (window != null) ? new RestoreWindowDescriptor(iso(window.from()),
					iso(window.to()), window.gaps().stream().map(GapDescriptor::of).toList()) : null;
			List<ChainDescriptor> chains = (window != null) ? window.chains().stream().map(ChainDescriptor::of).toList()
					: List.of();
			Lease lease = status.lease();
			return new ContinuousDescriptor(status.state().label(), (lag != null) ? Math.max(0, lag.toMillis()) : null,
					windowDescriptor, chains, status.backlogBytes(),
					(lease != null) ? new LeaseDescriptor(lease.holder().describe(), lease.epoch(), iso(lease.expiresAt()),
							lease.released()) : null);
		}

	}

	/**
	 * The lease on the store that keeps one writer per database, as this instance last saw it: its
	 * own while it captures, the holder's while it stands by.
	 *
	 * @param holder who holds it: process, host, start and id
	 * @param epoch the epoch it was taken under
	 * @param expiresAt when it lapses unless renewed, ISO-8601 in UTC
	 * @param released whether its holder let go of it
	 */
	public record LeaseDescriptor(String holder, long epoch, String expiresAt, boolean released) {

	}

	/**
	 * Instants a restore to a point in time can reach.
	 *
	 * @param from oldest snapshot still kept, ISO-8601 in UTC
	 * @param to newest instant covered, ISO-8601 in UTC
	 * @param gaps stretches inside in which no capture ran; a restore to an instant in one is refused
	 */
	public record RestoreWindowDescriptor(String from, String to, List<GapDescriptor> gaps) {

	}

	/**
	 * A stretch in which no capture ran, so that commits made then carry no instant of their own.
	 *
	 * @param from last instant covered before it, ISO-8601 in UTC
	 * @param to first instant covered after it, ISO-8601 in UTC
	 * @param reason why it is there
	 */
	public record GapDescriptor(String from, String to, String reason) {

		static GapDescriptor of(Gap gap) {
			return new GapDescriptor(iso(gap.from()), iso(gap.to()), gap.reason());
		}

	}

	/**
	 * One chain of continuous backup: a snapshot and the segments after it.
	 *
	 * @param id id of the chain
	 * @param start oldest snapshot still kept, ISO-8601 in UTC
	 * @param end newest instant it covers, ISO-8601 in UTC
	 * @param parent the point of an earlier chain its snapshot follows, {@code null} for none
	 * @param reason why it started, {@code null} when not recorded
	 * @param latest whether it holds the newest captured state; instants of other chains after the
	 * point the latest one branched off are on abandoned branches
	 */
	public record ChainDescriptor(String id, String start, String end,
			@JsonInclude(Include.ALWAYS) @Nullable ChainPointDescriptor parent,
			@JsonInclude(Include.ALWAYS) @Nullable String reason, boolean latest) {

		static ChainDescriptor of(ChainSummary chain) {
			ChainPoint parent = chain.parent();
			return new ChainDescriptor(chain.id(), iso(chain.start()), iso(chain.end()),
					(parent != null) ? new ChainPointDescriptor(parent.chainId(), parent.sequence(), iso(parent.capturedAt()))
							: null,
					chain.startReason(), chain.latest());
		}

	}

	/**
	 * A point of a chain: the state after one of its segments.
	 *
	 * @param chain id of the chain
	 * @param sequence sequence of the segment
	 * @param capturedAt when it was captured, ISO-8601 in UTC
	 */
	public record ChainPointDescriptor(String chain, long sequence, String capturedAt) {

	}

	/**
	 * Outcome of a restore to a point in time.
	 *
	 * @param database name of the restored database
	 * @param restoredFrom id of the backup the chain starts from
	 * @param restoredTo when the newest transaction included was captured, ISO-8601 in UTC
	 * @param safetyBackupId id of the backup of the replaced state, or {@code null} when safety
	 * backups are off
	 * @param restoredAt when the restore finished, ISO-8601 in UTC
	 * @param pageCount pages of the live database afterwards
	 * @param durationMillis how long the restore took, safety backup included
	 * @param chain id of the continuous backup chain restored from
	 * @param latest whether the state restored is the newest one captured, across all chains
	 */
	public record PointInTimeRestoreDescriptor(String database, String restoredFrom, String restoredTo,
			@JsonInclude(Include.ALWAYS) @Nullable String safetyBackupId, String restoredAt, long pageCount,
			long durationMillis, String chain, boolean latest) implements OperationResponseBody {

		static PointInTimeRestoreDescriptor of(PointInTimeResult result) {
			RestoreResult restore = result.restore();
			return new PointInTimeRestoreDescriptor(restore.database(), restore.restoredFrom(), iso(result.restoredTo()),
					restore.safetyBackupId(), iso(restore.restoredAt()), restore.pageCount(),
					restore.duration().toMillis(), result.chain(), result.latest());
		}

	}

	/**
	 * What a restore drill found.
	 *
	 * @param database name of the database
	 * @param passed whether the restore and every check passed
	 * @param backupId the backup restored, or the snapshot the restored chain starts from; {@code null}
	 * when the store held none
	 * @param restoredTo with continuous backup, when the newest transaction restored was captured,
	 * ISO-8601 in UTC; else {@code null}
	 * @param checkedAt when the drill started, ISO-8601 in UTC
	 * @param durationMillis how long it took
	 * @param problems why it failed, empty when it passed
	 * @param ageMillis how old the restored state was when the drill started, {@code null} when
	 * nothing was restored
	 * @param checks what each of the application's checks found
	 */
	public record DrillDescriptor(String database, boolean passed,
			@JsonInclude(Include.ALWAYS) @Nullable String backupId,
			@JsonInclude(Include.ALWAYS) @Nullable String restoredTo, String checkedAt, long durationMillis,
			List<String> problems, @JsonInclude(Include.ALWAYS) @Nullable Long ageMillis,
			List<DrillCheckDescriptor> checks) implements OperationResponseBody {

		static DrillDescriptor of(RestoreDrillResult result) {
			Duration age = result.age();
			return new DrillDescriptor(result.database(), result.passed(), result.backupId(),
					(result.restoredTo() != null) ? iso(result.restoredTo()) : null, iso(result.checkedAt()),
					result.duration().toMillis(), result.problems(), (age != null) ? age.toMillis() : null,
					result.checks()
						.stream()
						.map((check) -> new DrillCheckDescriptor(check.name(), check.passed(), check.message()))
						.toList());
		}

	}

	/**
	 * What one of the application's drill checks found.
	 *
	 * @param name the check's name
	 * @param passed whether it passed
	 * @param message what it found, or why it failed; {@code null} when it said nothing
	 */
	public record DrillCheckDescriptor(String name, boolean passed,
			@JsonInclude(Include.ALWAYS) @Nullable String message) {

	}

	/**
	 * One published backup, as its manifest records it.
	 *
	 * @param id opaque id that sorts by creation time
	 * @param database name of the database it was taken from
	 * @param createdAt when the snapshot was taken, ISO-8601 in UTC
	 * @param sizeBytes size of the stored file
	 * @param sha256 hex SHA-256 of the stored file
	 * @param pageSize SQLite page size
	 * @param pageCount number of pages
	 * @param journalMode journal mode of the source database
	 * @param sqliteVersion SQLite version that took it
	 * @param compression codec of the stored bytes ({@code none} for a plain SQLite file)
	 * @param verified whether it passed verification
	 * @param verification which check was run ({@code none}, {@code quick}, {@code full})
	 * @param durationMillis how long the backup took
	 * @param trigger why it was taken ({@code manual}, {@code scheduled}, {@code safety})
	 * @param safetyBackup whether a restore took it of the state it replaced
	 * @param encrypted whether the stored bytes are encrypted
	 * @param encryptionKeyId id of the key that encrypted it, which a restore needs configured, or
	 * {@code null} when it is not encrypted
	 * @param locations where its copies are kept ({@code local}, {@code s3}); only in listings
	 * @param authenticated whether its manifest carries a MAC that verifies under a configured
	 * encryption key; always {@code false} without encryption, where nothing can be authenticated
	 */
	public record BackupDescriptor(String id, String database, String createdAt, long sizeBytes, String sha256,
			int pageSize, long pageCount, String journalMode, String sqliteVersion, String compression,
			boolean verified, String verification, long durationMillis, String trigger, boolean safetyBackup,
			boolean encrypted,
			@JsonInclude(Include.ALWAYS) @Nullable String encryptionKeyId,
			@JsonInclude(Include.NON_NULL) @Nullable List<String> locations,
			boolean authenticated) implements OperationResponseBody {

		/** A backup described without asking whether it is authenticated. */
		static BackupDescriptor of(Backup backup) {
			return of(backup, null, false);
		}

		static BackupDescriptor of(Backup backup, @Nullable List<String> locations, boolean authenticated) {
			return new BackupDescriptor(backup.id(), backup.database(), iso(backup.createdAt()), backup.sizeBytes(),
					backup.sha256(), backup.pageSize(), backup.pageCount(), backup.journalMode(),
					backup.sqliteVersion(), backup.compression(), backup.verified(), lower(backup.verification()),
					backup.duration().toMillis(), lower(backup.trigger()), backup.isSafetyBackup(),
					backup.isEncrypted(), backup.encryptionKeyId(), locations, authenticated);
		}

	}

	/**
	 * Outcome of a restore.
	 *
	 * @param database name of the restored database
	 * @param restoredFrom id of the backup that is now the live state
	 * @param safetyBackupId id of the backup of the replaced state, or {@code null} when safety
	 * backups are off
	 * @param restoredAt when the restore finished, ISO-8601 in UTC
	 * @param pageCount pages of the live database afterwards
	 * @param durationMillis how long the restore took, safety backup included
	 */
	public record RestoreDescriptor(String database, String restoredFrom,
			@JsonInclude(Include.ALWAYS) @Nullable String safetyBackupId,
			String restoredAt, long pageCount, long durationMillis) implements OperationResponseBody {

		static RestoreDescriptor of(RestoreResult result) {
			return new RestoreDescriptor(result.database(), result.restoredFrom(), result.safetyBackupId(),
					iso(result.restoredAt()), result.pageCount(), result.duration().toMillis());
		}

	}

	/**
	 * Operation running on a database, with its progress.
	 *
	 * @param type {@code backup}, {@code restore} or {@code prune}
	 * @param startedAt when it started, ISO-8601 in UTC
	 * @param pagesDone pages copied so far
	 * @param pagesTotal pages to copy, 0 while unknown
	 * @param percentDone progress from 0 to 100
	 */
	public record OperationDescriptor(String type, String startedAt, long pagesDone, long pagesTotal,
			int percentDone) {

		static OperationDescriptor of(OperationStatus status) {
			return new OperationDescriptor(lower(status.type()), iso(status.startedAt()), status.pagesDone(),
					status.pagesTotal(), (int) Math.floor(status.fractionDone() * 100));
		}

	}

	// Instants and enums are turned into strings here, so that the JSON does not depend on how the
	// application configures its JSON mapper.
	private static String iso(Instant instant) {
		return instant.toString();
	}

	private static String lower(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

}
