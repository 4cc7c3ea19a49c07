package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.scheduling.support.CronExpression;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for the lines the starter logs at startup about each database. */
@ExtendWith(OutputCaptureExtension.class)
class StartupReportTests {

	private static final String YEARLY = "0 0 0 1 1 *";

	private static final String WAL_FIX = "spring.datasource.hikari.data-source-properties.journal_mode=WAL";

	@TempDir
	Path dir;

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
					SqliteDirectoriesAutoConfiguration.class, SqliteBackupAutoConfiguration.class))
			.withPropertyValues("sqlite.backup.schedule.cron=" + YEARLY);
	}

	@Test
	void runShouldSayWhichFileTheDatabaseIsItsJournalModeWhereBackupsGoAndWhenTheNextRunIs(CapturedOutput output) {
		Path file = this.dir.resolve("data/app.db");
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:" + file,
					"spring.datasource.hikari.data-source-properties.journal_mode=WAL")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ZonedDateTime next = CronExpression.parse(YEARLY).next(ZonedDateTime.now());
				assertThat(output).contains("SQLite database 'dataSource': file " + file + ", journal mode wal; "
						+ "backups go to " + this.dir.resolve("data/backups/dataSource") + "; next scheduled backup at "
						+ next + " (cron '" + YEARLY + "')");
				assertThat(output).doesNotContain(WAL_FIX);
			});
	}

	@Test
	void runWhenAFileDatabaseIsNotInWalModeShouldWarnWithTheFix(CapturedOutput output) {
		Path file = this.dir.resolve("app.db");
		contextRunner().withPropertyValues("spring.datasource.url=jdbc:sqlite:" + file).run((context) -> {
			assertThat(output).contains("file " + file + ", journal mode delete;");
			assertThat(output).containsPattern("WARN .*SQLite database 'dataSource' \\(" + file
					+ "\\) is in journal mode delete, not WAL: .* Set " + WAL_FIX.replace(".", "\\."));
		});
	}

	@Test
	void runWhenTheDatabaseIsInMemoryShouldSaySoWithoutAWarning(CapturedOutput output) {
		contextRunner()
			.withPropertyValues("spring.datasource.url=jdbc:sqlite:file:report?mode=memory&cache=shared",
					"sqlite.backup.directory=" + this.dir.resolve("backups"), "sqlite.backup.schedule.enabled=false")
			.run((context) -> {
				assertThat(output).contains("SQLite database 'dataSource': in memory, journal mode memory; backups go to "
						+ this.dir.resolve("backups/dataSource") + "; no scheduled backups");
				assertThat(output).doesNotContain("not WAL");
			});
	}

}
