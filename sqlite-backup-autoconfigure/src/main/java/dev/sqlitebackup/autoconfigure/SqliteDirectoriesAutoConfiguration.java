package dev.sqlitebackup.autoconfigure;

import javax.sql.DataSource;

import org.sqlite.SQLiteConnection;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration that creates the folder of each SQLite file database before it is opened
 * ({@code sqlite.backup.create-directories}).
 */
@AutoConfiguration
@ConditionalOnClass({ SQLiteConnection.class, DataSource.class })
@ConditionalOnBooleanProperty(name = "sqlite.backup.enabled", matchIfMissing = true)
@ConditionalOnBooleanProperty(name = "sqlite.backup.create-directories", matchIfMissing = true)
public final class SqliteDirectoriesAutoConfiguration {

	// Static: a BeanPostProcessor must exist before the data sources it looks at.
	@Bean
	static BeanPostProcessor sqliteDirectoryCreator() {
		return new SqliteDirectoryCreator();
	}

}
