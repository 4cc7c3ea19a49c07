package dev.sqlitebackup.actuate;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.ContinuousDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.DatabaseDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.PointInTimeRestoreDescriptor;
import dev.sqlitebackup.actuate.SqliteBackupEndpointWebExtension.ErrorDescriptor;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP contract of continuous backup: restores to a point in time and the listing. */
class ContinuousEndpointTests {

	@TempDir
	Path temp;

	private SQLiteDataSource dataSource;

	private SqliteBackupTemplate template;

	@BeforeEach
	void capture() throws SQLException {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		this.dataSource = new SQLiteDataSource(config);
		this.dataSource.setUrl("jdbc:sqlite:" + this.temp.resolve("db.sqlite"));
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("db", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")), BackupOptions.defaults());
		this.template.capture("db");
		execute("INSERT INTO item (name) VALUES ('captured')");
		this.template.capture("db");
	}

	@AfterEach
	void stop() {
		this.template.stopCapture("db");
	}

	@Test
	void restoreToLatestShipsFirstAndAnswers200WithTheInstantTheChainAndThatItIsTheLatest() throws SQLException {
		execute("INSERT INTO item (name) VALUES ('acknowledged, not shipped yet')");

		WebEndpointResponse<OperationResponseBody> response = extension(true).perform("db", "restore", null, "latest");

		assertThat(response.getStatus()).isEqualTo(200);
		PointInTimeRestoreDescriptor body = (PointInTimeRestoreDescriptor) response.getBody();
		assertThat(body.restoredTo()).endsWith("Z");
		assertThat(body.safetyBackupId()).isNotNull();
		assertThat(body.chain()).isNotBlank();
		assertThat(body.latest()).isTrue();
		assertThat(count()).isEqualTo(2);
	}

	@Test
	void restoreToAnIsoInstantWithAnOffsetIsAccepted() {
		String now = java.time.OffsetDateTime.now(java.time.ZoneOffset.ofHours(2)).toString();

		assertThat(extension(true).perform("db", "restore", null, now).getStatus()).isEqualTo(200);
	}

	@Test
	void aRestoreWithBothABackupIdAndAPointInTimeOrNeitherIs400() {
		SqliteBackupEndpointWebExtension extension = extension(true);

		assertThat(extension.perform("db", "restore", "20200101T000000000Z-abcdef", "latest").getStatus()).isEqualTo(400);
		assertThat(extension.perform("db", "restore", null, null).getStatus()).isEqualTo(400);
	}

	@Test
	void aMalformedPointInTimeIs400() {
		assertThat(extension(true).perform("db", "restore", null, "yesterday").getStatus()).isEqualTo(400);
	}

	@Test
	void anInstantOutsideTheRestoreWindowIs404NamingTheWindow() {
		WebEndpointResponse<OperationResponseBody> response = extension(true).perform("db", "restore", null,
				"2000-01-01T00:00:00Z");

		assertThat(response.getStatus()).isEqualTo(404);
		assertThat(((ErrorDescriptor) response.getBody()).message()).contains("restore window is");
	}

	@Test
	void aPointInTimeRestoreWhileRestoresAreOffIs403AndChangesNothing() throws SQLException {
		assertThat(extension(false).perform("db", "restore", null, "latest").getStatus()).isEqualTo(403);
		assertThat(count()).isEqualTo(1);
	}

	@Test
	void theListingShowsContinuousBackupWithItsRestoreWindow() {
		DatabaseDescriptor database = (DatabaseDescriptor) extension(false).database("db").getBody();

		assertThat(database.continuous()).isNotNull();
		assertThat(database.continuous().state()).isEqualTo("running");
		assertThat(database.continuous().lagMillis()).isNotNull();
		assertThat(database.continuous().restoreWindow().from()).isLessThanOrEqualTo(database.continuous().restoreWindow().to());
	}

	@Test
	void theListingShowsTheGapsOfTheWindowAndTheChainsWithTheirParents() throws SQLException {
		this.template.stopCapture("db");
		execute("INSERT INTO item (name) VALUES ('while nothing captured')");
		this.template.capture("db");

		ContinuousDescriptor continuous = ((DatabaseDescriptor) extension(false).database("db").getBody()).continuous();

		assertThat(continuous.chains()).hasSize(2);
		assertThat(continuous.chains().get(1).parent()).isNotNull();
		assertThat(continuous.chains().get(1).parent().chain()).isEqualTo(continuous.chains().get(0).id());
		assertThat(continuous.chains().get(1).latest()).isTrue();
		// The file was written while nothing captured: the chain before could not go on.
		assertThat(continuous.chains().get(1).reason()).startsWith("continuous backup started; chain ")
			.contains("cannot be continued");
		assertThat(continuous.restoreWindow().gaps()).allSatisfy((gap) -> assertThat(gap.reason()).isNotBlank());
	}

	@Test
	void theListingShowsNoContinuousBackupWhenItIsOff() {
		this.template.stopCapture("db");

		DatabaseDescriptor database = (DatabaseDescriptor) extension(false).database("db").getBody();

		assertThat(database.continuous()).isNull();
	}

	private SqliteBackupEndpointWebExtension extension(boolean restoreEnabled) {
		return new SqliteBackupEndpointWebExtension(new SqliteBackupEndpoint(this.template, restoreEnabled));
	}

	private void execute(String sql) throws SQLException {
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private long count() throws SQLException {
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT count(*) FROM item")) {
			rows.next();
			return rows.getLong(1);
		}
	}

}
