package dev.sqlitebackup.actuate;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.BackupDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.ContinuousDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.DatabaseDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.DatabasesDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.DrillDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.OperationDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.PointInTimeRestoreDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.RestoreDescriptor;

/**
 * {@link Endpoint @Endpoint} that lists the backups of every SQLite database, takes a backup and,
 * when allowed, restores one. HTTP statuses are added by {@link SqliteBackupEndpointWebExtension};
 * the JSON bodies are the records of {@link SqliteBackupDescriptors}.
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

}
