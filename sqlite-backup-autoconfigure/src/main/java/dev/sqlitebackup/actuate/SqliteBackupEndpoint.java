package dev.sqlitebackup.actuate;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.ContinuousStatus;
import dev.sqlitebackup.ChainPoint;
import dev.sqlitebackup.Gap;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.RestoreWindow.ChainSummary;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * {@link Endpoint @Endpoint} that lists the backups of every SQLite database, takes a backup and,
 * when allowed, restores one. HTTP statuses are added by {@link SqliteBackupEndpointWebExtension}.
 */
@Endpoint(id = "sqlitebackup")
public class SqliteBackupEndpoint {

	private final SqliteBackupTemplate template;

	private final boolean restoreEnabled;

	/**
	 * Creates an endpoint for the given template. Whether a restore first takes a safety backup is
	 * the template's option ({@link dev.sqlitebackup.BackupOptions#safetyBackup()}), in one place.
	 * @param template engine that does the work
	 * @param restoreEnabled whether the write operation may restore a backup
	 */
	public SqliteBackupEndpoint(SqliteBackupTemplate template, boolean restoreEnabled) {
		this.template = Objects.requireNonNull(template, "template");
		this.restoreEnabled = restoreEnabled;
	}

	/** Every database with its backups (newest first) and the operation running on it, if any. */
	@ReadOperation
	public DatabasesDescriptor databases() {
		List<DatabaseDescriptor> databases = this.template.getDatabaseNames()
			.stream()
			.sorted()
			.map(this::database)
			.toList();
		return new DatabasesDescriptor(databases);
	}

	/**
	 * One database with its backups (newest first) and the operation running on it, if any.
	 * @throws dev.sqlitebackup.DatabaseNotFoundException when there is no such database
	 */
	@ReadOperation
	public DatabaseDescriptor database(@Selector String database) {
		// The running operation is read before the listing so that a backup finishing in between
		// shows up as listed rather than disappearing from both.
		OperationDescriptor operation = this.template.currentOperation(database)
			.map(OperationDescriptor::of)
			.orElse(null);
		BackupStore.Catalog catalog = this.template.catalog(database);
		List<Backup> listed = catalog.backups();
		Map<String, List<String>> locations = catalog.locations();
		List<BackupDescriptor> backups = listed.stream()
			.map((backup) -> BackupDescriptor.of(backup, locations.getOrDefault(backup.id(), List.of()),
					this.template.getAuthenticity().isAuthenticated(backup)))
			.toList();
		ContinuousDescriptor continuous = this.template.continuousStatus(database)
			.map((status) -> ContinuousDescriptor.of(status, Instant.now()))
			.orElse(null);
		DrillDescriptor lastDrill = this.template.lastDrill(database).map(DrillDescriptor::of).orElse(null);
		return new DatabaseDescriptor(database, backups, operation, continuous, lastDrill);
	}

	/**
	 * Takes a backup ({@code action=backup}) or restores one ({@code action=restore} with a
	 * {@code backupId}).
	 * @param database name of the database
	 * @param action {@code backup} or {@code restore}
	 * @param backupId id of the backup to restore; only for a restore
	 * @return a {@link BackupDescriptor} or a {@link RestoreDescriptor}
	 * @throws InvalidEndpointRequestException when the action or the id is missing
	 * @throws RestoreDisabledException when asked to restore while restores are turned off
	 */
	public OperationResponseBody perform(@Selector String database, @Nullable String action,
			@Nullable String backupId) {
		return perform(database, action, backupId, null);
	}

	/**
	 * Takes a backup ({@code action=backup}), runs a restore drill ({@code action=drill}) or restores one ({@code action=restore} with either a
	 * {@code backupId} or a {@code pointInTime}: an ISO-8601 instant or {@code latest}).
	 * @param database name of the database
	 * @param action {@code backup} or {@code restore}
	 * @param backupId id of the backup to restore; only for a restore
	 * @param pointInTime instant to restore continuous backup to, or {@code latest}; only for a restore
	 * @return a {@link BackupDescriptor}, a {@link RestoreDescriptor} or a {@link PointInTimeRestoreDescriptor}
	 * @throws InvalidEndpointRequestException when the action is missing, or a restore does not have
	 * exactly one of a backup id and a well-formed point in time
	 * @throws RestoreDisabledException when asked to restore while restores are turned off
	 */
	@WriteOperation
	public OperationResponseBody perform(@Selector String database, @Nullable String action,
			@Nullable String backupId, @Nullable String pointInTime) {
		Action requested = Action.from(action);
		if (requested == Action.BACKUP && pointInTime != null) {
			throw new InvalidEndpointRequestException("A backup takes no pointInTime", "Unexpected pointInTime");
		}
		if (requested == Action.DRILL) {
			if (backupId != null || pointInTime != null) {
				throw new InvalidEndpointRequestException("A drill takes no backupId nor pointInTime",
						"Unexpected backupId or pointInTime");
			}
			return DrillDescriptor.of(this.template.drill(database));
		}
		if (requested == Action.BACKUP) {
			Backup backup = this.template.backup(database);
			return BackupDescriptor.of(backup, null, this.template.getAuthenticity().isAuthenticated(backup));
		}
		// Checked before anything else so that a refused restore touches nothing, not even the store.
		if (!this.restoreEnabled) {
			throw new RestoreDisabledException(database);
		}
		if ((backupId != null) == (pointInTime != null)) {
			throw new InvalidEndpointRequestException("A restore needs exactly one of backupId and pointInTime",
					"Expected one of backupId and pointInTime");
		}
		if (pointInTime != null) {
			// With the template's safety-backup option, like every restore the engine runs.
			PointInTimeResult result = "latest".equals(pointInTime) ? this.template.restoreLatest(database)
					: this.template.restore(database, parseInstant(pointInTime));
			return PointInTimeRestoreDescriptor.of(result);
		}
		if (backupId == null || backupId.isEmpty()) {
			throw new InvalidEndpointRequestException("A restore needs a backupId", "Missing backupId");
		}
		return RestoreDescriptor.of(this.template.restore(database, backupId));
	}

	private enum Action {

		BACKUP, RESTORE, DRILL;

		static Action from(@Nullable String action) {
			if (action == null || action.isBlank()) {
				throw new InvalidEndpointRequestException("Missing action, expected 'backup', 'restore' or 'drill'",
						"Missing action");
			}
			// Matched exactly as the contract writes it. Trimming and lower-casing took "backup" with a
			// trailing NUL or other control character, and "backup" spelled with a Kelvin sign (U+212A)
			// for its k, for real actions: trim() strips every character up to U+0020 and
			// toLowerCase() maps the Kelvin sign to 'k'.
			return switch (action) {
				case "backup" -> BACKUP;
				case "restore" -> RESTORE;
				case "drill" -> DRILL;
				// The value is not echoed: it comes from the request and may be anything.
				default -> throw new InvalidEndpointRequestException("Unknown action, expected 'backup', 'restore' or 'drill'",
						"Unknown action");
			};
		}

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
	 */
	public record ContinuousDescriptor(String state, @JsonInclude(Include.ALWAYS) @Nullable Long lagMillis,
			@JsonInclude(Include.ALWAYS) @Nullable RestoreWindowDescriptor restoreWindow, List<ChainDescriptor> chains,
			@Nullable Long backlogBytes) {

		static ContinuousDescriptor of(ContinuousStatus status, Instant now) {
			Duration lag = status.lag(now);
			RestoreWindow window = status.window();
			RestoreWindowDescriptor windowDescriptor = (window != null) ? new RestoreWindowDescriptor(iso(window.from()),
					iso(window.to()), window.gaps().stream().map(GapDescriptor::of).toList()) : null;
			List<ChainDescriptor> chains = (window != null) ? window.chains().stream().map(ChainDescriptor::of).toList()
					: List.of();
			return new ContinuousDescriptor(status.state().label(), (lag != null) ? Math.max(0, lag.toMillis()) : null,
					windowDescriptor, chains, status.backlogBytes());
		}

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

	private static Instant parseInstant(String pointInTime) {
		try {
			return OffsetDateTime.parse(pointInTime).toInstant();
		}
		catch (DateTimeParseException ex) {
			// The value is not echoed: it comes from the request and may be anything.
			throw new InvalidEndpointRequestException(
					"Malformed pointInTime, expected an ISO-8601 instant such as 2026-11-29T17:00:00Z or 'latest'",
					"Malformed pointInTime");
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
