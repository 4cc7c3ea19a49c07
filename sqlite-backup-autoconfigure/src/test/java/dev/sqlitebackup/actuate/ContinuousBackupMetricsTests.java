package dev.sqlitebackup.actuate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Tests for {@link ContinuousBackupMetrics}. */
class ContinuousBackupMetricsTests {

	@TempDir
	Path temp;

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private SQLiteDataSource dataSource;

	private SqliteBackupTemplate template;

	@BeforeEach
	void start() throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		this.dataSource = new SQLiteDataSource(config);
		this.dataSource.setUrl("jdbc:sqlite:" + this.temp.resolve("db.sqlite"));
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("db", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		this.template.addListener(new ContinuousBackupMetrics(this.template, this.registry));
	}

	@AfterEach
	void stop() {
		this.template.stopCapture("db");
	}

	@Test
	void lagIsUnknownUntilTheFirstPass() {
		assertThat(this.registry.get("sqlite.backup.continuous.lag").tag("database", "db").gauge().value()).isNaN();
	}

	@Test
	void shippedSegmentsAndBytesAreCountedAndTheLagIsKnown() throws SQLException {
		this.template.capture("db");
		execute("INSERT INTO item (name) VALUES ('one')");
		this.template.capture("db");
		this.template.capture("db");

		assertThat(this.registry.get("sqlite.backup.continuous.segments").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("sqlite.backup.continuous.bytes").counter().count()).isGreaterThan(4096);
		assertThat(this.registry.get("sqlite.backup.continuous.lag").gauge().value()).isBetween(0.0, 60.0);
		assertThat(this.registry.get("sqlite.backup.continuous.wal.size").gauge().value()).isPositive();
		assertThat(this.registry.get("sqlite.backup.continuous.backlog").gauge().value()).isZero();
	}

	@Test
	void theBacklogIsWhatAPassCouldNotShip() throws Exception {
		this.template.capture("db");
		Path segments = this.temp.resolve("backups").resolve("db").resolve("segments");
		Files.move(segments, this.temp.resolve("aside"));
		Files.writeString(segments, "not a folder");
		execute("INSERT INTO item (name) VALUES ('waits in the WAL')");

		assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> this.template.capture("db"));

		assertThat(this.registry.get("sqlite.backup.continuous.backlog").gauge().value()).isPositive();
		Files.delete(segments);
		Files.move(this.temp.resolve("aside"), segments);
		this.template.capture("db");
		assertThat(this.registry.get("sqlite.backup.continuous.backlog").gauge().value()).isZero();
	}

	@Test
	void failedPassesAreCounted() throws Exception {
		this.template.capture("db");
		Path segments = this.temp.resolve("backups").resolve("db").resolve("segments");
		Files.move(segments, this.temp.resolve("aside"));
		Files.writeString(segments, "not a folder");
		execute("INSERT INTO item (name) VALUES ('one')");

		assertThatExceptionOfType(SqliteBackupException.class).isThrownBy(() -> this.template.capture("db"));

		assertThat(this.registry.get("sqlite.backup.continuous.failures").counter().count()).isEqualTo(1);
		Files.delete(segments);
	}

	private void execute(String sql) throws SQLException {
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

}
