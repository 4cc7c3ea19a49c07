package dev.sqlitebackup.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.Gap;
import dev.sqlitebackup.RestoreWindow;
import dev.sqlitebackup.SqliteBackupTemplate;

/** {@code list}: each database's backups, and with continuous backup its chains, restore window and gaps. */
@Command(name = "list", mixinStandardHelpOptions = true,
		description = "Lists each database's backups (newest first) and, with continuous backup, its chains, "
				+ "restore window and gaps.")
final class ListCommand implements Callable<Integer> {

	@Mixin
	StoreOptions store;

	@Option(names = "--database", description = "Only this database (repeatable); every database in the store by default.")
	List<String> databases = new ArrayList<>();

	@Option(names = "--json", description = "Prints JSON instead of text.")
	boolean json;

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() throws Exception {
		try (StoreOptions.Opened opened = this.store.open()) {
			BackupStore backups = opened.store();
			List<String> names = this.databases.isEmpty() ? backups.databaseNames() : this.databases;
			SqliteBackupTemplate template = this.store.template(backups, names);
			List<Map<String, Object>> listed = new ArrayList<>();
			for (String name : names) {
				listed.add(describe(template, name));
			}
			PrintWriter out = this.spec.commandLine().getOut();
			if (this.json) {
				Map<String, Object> root = new LinkedHashMap<>();
				root.put("store", this.store.describe());
				root.put("databases", listed);
				out.println(Json.write(root));
			}
			else {
				printText(out, listed);
			}
			out.flush();
			return 0;
		}
	}

	private static Map<String, Object> describe(SqliteBackupTemplate template, String name) {
		Map<String, Object> database = new LinkedHashMap<>();
		database.put("name", name);
		List<Map<String, Object>> backups = new ArrayList<>();
		for (Backup backup : template.list(name)) {
			Map<String, Object> described = new LinkedHashMap<>();
			described.put("id", backup.id());
			described.put("createdAt", backup.createdAt().toString());
			described.put("sizeBytes", backup.sizeBytes());
			described.put("sha256", backup.sha256());
			described.put("trigger", backup.trigger().name().toLowerCase());
			described.put("compression", backup.compression());
			described.put("encrypted", backup.isEncrypted());
			described.put("verified", backup.verified());
			backups.add(described);
		}
		database.put("backups", backups);
		RestoreWindow window = template.restoreWindow(name).orElse(null);
		database.put("window", (window != null) ? describe(window) : null);
		return database;
	}

	private static Map<String, Object> describe(RestoreWindow window) {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("from", window.from().toString());
		described.put("to", window.to().toString());
		List<Map<String, Object>> gaps = new ArrayList<>();
		for (Gap gap : window.gaps()) {
			gaps.add(Map.of("from", gap.from().toString(), "to", gap.to().toString(), "reason", gap.reason()));
		}
		described.put("gaps", gaps);
		List<Map<String, Object>> chains = new ArrayList<>();
		for (RestoreWindow.ChainSummary chain : window.chains()) {
			Map<String, Object> summary = new LinkedHashMap<>();
			summary.put("id", chain.id());
			summary.put("start", chain.start().toString());
			summary.put("end", chain.end().toString());
			summary.put("latest", chain.latest());
			chains.add(summary);
		}
		described.put("chains", chains);
		return described;
	}

	@SuppressWarnings("unchecked")
	private void printText(PrintWriter out, List<Map<String, Object>> databases) {
		out.println("Store: " + this.store.describe());
		if (databases.isEmpty()) {
			out.println("No database has backups here.");
		}
		for (Map<String, Object> database : databases) {
			out.println();
			out.println("Database " + database.get("name"));
			List<Map<String, Object>> backups = (List<Map<String, Object>>) database.get("backups");
			out.println("  Backups: " + (backups.isEmpty() ? "none" : backups.size() + ", newest first"));
			for (Map<String, Object> backup : backups) {
				out.printf("    %s  %s  %,d bytes  %s%s%s%n", backup.get("id"), backup.get("createdAt"),
						(Long) backup.get("sizeBytes"), backup.get("trigger"),
						Boolean.TRUE.equals(backup.get("encrypted")) ? "  encrypted" : "",
						Boolean.TRUE.equals(backup.get("verified")) ? "  verified" : "");
			}
			Map<String, Object> window = (Map<String, Object>) database.get("window");
			if (window == null) {
				out.println("  Continuous backup: no chain to restore from");
				continue;
			}
			List<Map<String, Object>> gaps = (List<Map<String, Object>>) window.get("gaps");
			out.println("  Restore window: " + window.get("from") + " to " + window.get("to") + ", "
					+ (gaps.isEmpty() ? "no gaps" : gaps.size() + " gap(s)"));
			for (Map<String, Object> gap : gaps) {
				out.println("    gap " + gap.get("from") + " to " + gap.get("to") + ": " + gap.get("reason"));
			}
			for (Map<String, Object> chain : (List<Map<String, Object>>) window.get("chains")) {
				out.println("    chain " + chain.get("id") + "  " + chain.get("start") + " to " + chain.get("end")
						+ (Boolean.TRUE.equals(chain.get("latest")) ? "  (latest)" : ""));
			}
		}
	}

}
