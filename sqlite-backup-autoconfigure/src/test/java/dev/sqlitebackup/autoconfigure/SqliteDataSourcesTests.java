package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteDataSources}. */
class SqliteDataSourcesTests {

	@TempDir
	Path dir;

	@Test
	void isSqliteWhenHikariHasSqliteUrlShouldSayYesWithoutStartingThePool() {
		try (HikariDataSource hikari = new HikariDataSource()) {
			hikari.setJdbcUrl("jdbc:sqlite:" + this.dir.resolve("app.db"));
			assertThat(SqliteDataSources.isSqlite("dataSource", hikari)).isTrue();
			assertThat(hikari.isRunning()).isFalse();
		}
	}

	@Test
	void isSqliteWhenHikariHasOtherUrlShouldSayNoWithoutStartingThePool() {
		try (HikariDataSource hikari = new HikariDataSource()) {
			hikari.setJdbcUrl("jdbc:h2:mem:other");
			assertThat(SqliteDataSources.isSqlite("dataSource", hikari)).isFalse();
			assertThat(hikari.isRunning()).isFalse();
		}
	}

	@Test
	void isSqliteWhenPlainSqliteDataSourceShouldSayYes() {
		assertThat(SqliteDataSources.isSqlite("dataSource", TestDataSources.plainSqlite(this.dir.resolve("app.db"))))
			.isTrue();
	}

	@Test
	void isSqliteWhenWrapperHidesTheUrlShouldAskAConnection() {
		try (HikariDataSource hikari = TestDataSources.hikariSqlite(this.dir.resolve("app.db"))) {
			assertThat(SqliteDataSources.isSqlite("dataSource", new DelegatingDataSource(hikari))).isTrue();
		}
	}

	@Test
	void isSqliteWhenWrapperHidesAnotherDatabaseShouldSayNo() {
		assertThat(SqliteDataSources.isSqlite("dataSource", new DelegatingDataSource(TestDataSources.h2("hidden"))))
			.isFalse();
	}

}
