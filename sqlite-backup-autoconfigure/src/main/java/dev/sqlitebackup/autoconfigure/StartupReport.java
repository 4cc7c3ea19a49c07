package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.support.CronExpression;

import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;

/**
 * Says at startup, in one INFO line per database, what the starter made of the application's
 * configuration: which file each name resolved to (or in memory), its journal mode, where its
 * backups go and when the next scheduled backup runs; and warns, with the fix, about a file
 * database that is not in WAL mode.
 */
final class StartupReport implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(StartupReport.class);

	private static final String WAL_FIX = "spring.datasource.hikari.data-source-properties.journal_mode=WAL";

	private final SqliteBackupTemplate template;

	private final SqliteBackupProperties properties;

	private final Function<String, String> whereBackupsGo;

	private final Clock clock;

	StartupReport(SqliteBackupTemplate template, SqliteBackupProperties properties,
			Function<String, String> whereBackupsGo, Clock clock) {
		this.template = template;
		this.properties = properties;
		this.whereBackupsGo = whereBackupsGo;
		this.clock = clock;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.template.getDatabaseNames().forEach(this::report);
	}

	private void report(String name) {
		SqliteDatabase database = this.template.getDatabase(name);
		String what;
		String journalMode = null;
		Optional<Path> file = Optional.empty();
		try {
			file = database.file();
			journalMode = journalMode(database);
			what = file.map((path) -> "file " + path).orElse("in memory") + ", journal mode " + journalMode;
		}
		catch (SqliteBackupException | SQLException ex) {
			what = "cannot be opened to check it (" + ex.getMessage() + ")";
		}
		logger.info("SQLite database '{}': {}; backups go to {}; {}", name, what, this.whereBackupsGo.apply(name),
				nextRun(name));
		if (file.isPresent() && journalMode != null && !"wal".equals(journalMode)) {
			logger.warn("SQLite database '{}' ({}) is in journal mode {}, not WAL: the application's writers wait "
					+ "for every backup to finish. Set {} (or add ?journal_mode=WAL to its JDBC URL)", name,
					file.get(), journalMode, WAL_FIX);
		}
	}

	private String nextRun(String database) {
		if (!this.properties.isScheduled(database)) {
			return "no scheduled backups";
		}
		String cron = this.properties.cronOf(database);
		ZonedDateTime next = CronExpression.parse(cron).next(ZonedDateTime.now(this.clock));
		return (next != null) ? "next scheduled backup at " + next + " (cron '" + cron + "')"
				: "no scheduled backup ahead (cron '" + cron + "')";
	}

	private static String journalMode(SqliteDatabase database) throws SQLException {
		try (Connection connection = database.dataSource().getConnection();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("PRAGMA journal_mode")) {
			return rows.next() ? rows.getString(1).toLowerCase(Locale.ROOT) : "unknown";
		}
	}

}
