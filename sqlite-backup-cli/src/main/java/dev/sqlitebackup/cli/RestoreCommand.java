package dev.sqlitebackup.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.PointInTimeResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.StartupRestoreResult;

/**
 * {@code restore}: builds a database's state (a backup, a point in time, or the latest restorable
 * state) into a new file, checked like any restore. It never replaces a file.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
		description = "Builds a database's state into a new file, checked like any restore; never replaces a file.")
final class RestoreCommand implements Callable<Integer> {

	@Mixin
	StoreOptions store;

	@Option(names = "--database", required = true, description = "Name of the database (its DataSource bean name).")
	String database;

	@ArgGroup(exclusive = true)
	@Nullable What what;

	@Option(names = "--output", required = true, description = "File to create; it must not exist.")
	Path output;

	@Spec
	CommandSpec spec;

	/** A backup, or a point in time; neither means the latest restorable state. */
	static final class What {

		@Option(names = "--backup", description = "Id of the backup to restore.")
		@Nullable String backupId;

		@Option(names = "--point-in-time", description = "ISO-8601 instant to restore continuous backup to, "
				+ "or 'latest' (the default: the latest captured point, else the newest backup).")
		@Nullable String pointInTime;

	}

	@Override
	public Integer call() throws Exception {
		Instant instant = parsePointInTime();
		Path target = this.output.toAbsolutePath().normalize();
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new IllegalStateException("Refused: " + target + " exists, and a restore never replaces a file");
		}
		try (StoreOptions.Opened opened = this.store.open()) {
			BackupStore backups = opened.store();
			SqliteBackupTemplate template = this.store.template(backups, List.of(this.database));
			PrintWriter out = this.spec.commandLine().getOut();
			if (this.what != null && this.what.backupId != null) {
				RestoreResult result = template.restoreBackupToFile(this.database, this.what.backupId, target);
				out.printf("Restored database '%s' from backup %s into %s (%d pages) in %d ms%n", this.database,
						result.restoredFrom(), target, result.pageCount(), result.duration().toMillis());
			}
			else if (instant != null) {
				PointInTimeResult result = template.restoreToFile(this.database, instant, target);
				out.printf("Restored database '%s' as of %s (chain %s, backup %s and %d segments) into %s%n",
						this.database, result.restoredTo(), result.chain(), result.restore().restoredFrom(),
						result.segments(), target);
			}
			else {
				StartupRestoreResult result = template.restoreIfMissing(this.database, target);
				if (!result.restored()) {
					throw new IllegalStateException("The store " + this.store.describe() + " holds nothing of database '"
							+ this.database + "' to restore");
				}
				out.printf("Restored database '%s' as of %s from %s into %s (%d bytes)%n", this.database,
						result.stateAt(), (result.point() != null) ? "chain " + result.point().chainId() + ", backup "
								+ result.backupId() + " plus segments" : "backup " + result.backupId(),
						target, result.bytes());
			}
			out.flush();
			return 0;
		}
	}

	private @Nullable Instant parsePointInTime() {
		String text = (this.what != null) ? this.what.pointInTime : null;
		if (text == null || text.equals("latest")) {
			return null;
		}
		try {
			return OffsetDateTime.parse(text).toInstant();
		}
		catch (DateTimeParseException ex) {
			throw new ParameterException(this.spec.commandLine(), "--point-in-time must be an ISO-8601 instant with "
					+ "an offset (2026-12-03T14:00:00Z) or 'latest', not '" + text + "'");
		}
	}

}
