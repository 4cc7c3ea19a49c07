package dev.sqlitebackup.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.VerificationResult;

/** {@code verify}: checks stored backups again (size, SHA-256, decoding, authenticity, SQLite's check). */
@Command(name = "verify", mixinStandardHelpOptions = true,
		description = "Checks a database's stored backups again: size, SHA-256, decoding, authenticity and "
				+ "SQLite's own check. Exits with 1 when any fails.")
final class VerifyCommand implements Callable<Integer> {

	@Mixin
	StoreOptions store;

	@Option(names = "--database", required = true, description = "Name of the database (its DataSource bean name).")
	String database;

	@Option(names = "--backup", description = "Id of the backup to check; every backup of the database by default.")
	@Nullable String backupId;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		try (StoreOptions.Opened opened = this.store.open()) {
			BackupStore backups = opened.store();
			SqliteBackupTemplate template = this.store.template(backups, List.of(this.database));
			List<String> ids = (this.backupId != null) ? List.of(this.backupId)
					: template.list(this.database).stream().map(Backup::id).toList();
			if (ids.isEmpty()) {
				throw new IllegalStateException("The store " + this.store.describe() + " holds no backup of database '"
						+ this.database + "'");
			}
			PrintWriter out = this.spec.commandLine().getOut();
			int failed = 0;
			for (String id : ids) {
				VerificationResult result = template.verify(this.database, id);
				if (result.valid()) {
					out.println("OK      " + id);
				}
				else {
					failed++;
					out.println("FAILED  " + id + ": " + String.join("; ", result.problems()));
				}
			}
			out.flush();
			if (failed > 0) {
				this.spec.commandLine().getErr().println(failed + " of " + ids.size() + " backup(s) failed their checks");
				return SqliteBackupCli.FAILED;
			}
			return 0;
		}
	}

}
