package dev.sqlitebackup;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** A capturing process killed with {@code kill -9} leaves a store from which its latest captured state restores. */
class ContinuousCrashTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void theLatestCapturedStateRestoresAfterTheCapturingProcessIsKilled() throws Exception {
		Path file = this.temp.resolve("app.db");
		Path backups = this.temp.resolve("backups");
		this.dataSource = TestDatabases.plain(file, Mode.WAL);
		TestDatabases.execute(this.dataSource, "CREATE TABLE item (seq INTEGER PRIMARY KEY, padding BLOB)");
		Process child = CrashTests.startChild(ContinuousCaptureChild.class,
				List.of(file.toString(), backups.toString()), "READY");
		long captured = 0;
		BufferedReader output = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
		long deadline = System.nanoTime() + 1_500_000_000L;
		String line;
		while (System.nanoTime() < deadline && (line = output.readLine()) != null) {
			if (line.startsWith("CAPTURED ")) {
				captured = Long.parseLong(line.substring(9));
			}
		}
		child.destroyForcibly();
		child.waitFor();
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(backups), BackupOptions.defaults().withSafetyBackup(false));
		TestDatabases.execute(this.dataSource, "DELETE FROM item");

		template.restoreLatest("app");

		try (Connection connection = this.dataSource.getConnection()) {
			long count = TestDatabases.queryLong(connection, "SELECT count(*) FROM item");
			long max = TestDatabases.queryLong(connection, "SELECT coalesce(max(seq), 0) FROM item");
			assertThat(captured).as("rows the child reported captured").isPositive();
			assertThat(max).as("newest restored row").isGreaterThanOrEqualTo(captured);
			assertThat(count).as("restored rows are a gap-free prefix").isEqualTo(max);
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
	}

}
