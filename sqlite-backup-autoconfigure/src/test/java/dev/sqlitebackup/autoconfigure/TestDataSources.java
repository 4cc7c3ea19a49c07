package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.sqlite.SQLiteDataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Real data sources for tests: SQLite files in the test's directory ({@code test.dir}) and H2. */
public final class TestDataSources {

	private TestDataSources() {
	}

	/** A Hikari pool on a new SQLite file holding one table with a row. */
	public static HikariDataSource hikariSqlite(Path file) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setJdbcUrl("jdbc:sqlite:" + file);
		dataSource.setMaximumPoolSize(2);
		return withData(dataSource);
	}

	/** A plain SQLite data source, no pool, on a new SQLite file holding one table with a row. */
	public static SQLiteDataSource plainSqlite(Path file) {
		SQLiteDataSource dataSource = new SQLiteDataSource();
		dataSource.setUrl("jdbc:sqlite:" + file);
		return withData(dataSource);
	}

	/** An in-memory H2 database. */
	public static JdbcDataSource h2(String name) {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1");
		return dataSource;
	}

	private static <T extends DataSource> T withData(T dataSource) {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)");
			statement.execute("INSERT INTO item (name) VALUES ('first')");
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return dataSource;
	}

	/** One SQLite database, the {@code dataSource} bean of a single-database application. */
	@Configuration(proxyBeanMethods = false)
	public static class SingleSqlite {

		@Bean
		HikariDataSource dataSource(@Value("${test.dir}") Path dir) {
			return hikariSqlite(dir.resolve("app.db"));
		}

	}

	/** Only an H2 database. */
	@Configuration(proxyBeanMethods = false)
	public static class OnlyH2 {

		@Bean
		JdbcDataSource dataSource() {
			return h2("only");
		}

	}

}
