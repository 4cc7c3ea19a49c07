package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.sql.init.dependency.DatabaseInitializationDependencyConfigurer;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.RestoreDrillCheck;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.event.BackupEventPublisher;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.PerDatabaseBackupStore;

/**
 * Auto-configuration for SQLite backups: finds every SQLite {@link DataSource} (named by its bean
 * name) and wires the engine for them, with a scheduled backup job and application events. Each
 * bean backs off when the application defines its own. Every {@link BackupListener} bean, the
 * application's and the starter's alike, is registered with the template.
 */
@AutoConfiguration(afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnClass({ SQLiteConnection.class, DataSource.class })
@ConditionalOnBean(DataSource.class)
@ConditionalOnBooleanProperty(name = "sqlite.backup.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SqliteBackupProperties.class)
@Import({ SqliteBackupS3Configuration.S3StoreConfiguration.class,
		SqliteBackupS3Configuration.S3SdkMissingConfiguration.class, DatabaseInitializationDependencyConfigurer.class })
public final class SqliteBackupAutoConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	BackupStore sqliteBackupStore(SqliteBackupProperties properties, Map<String, DataSource> dataSources,
			Environment environment) {
		return localStore(properties, BackupDirectories.shared(properties, dataSources, environment));
	}

	/** The local directory, with a store of its own for each database whose directory is overridden. */
	static BackupStore localStore(SqliteBackupProperties properties, Path sharedDirectory) {
		BackupStore defaultStore = new LocalDirectoryBackupStore(sharedDirectory);
		Map<String, BackupStore> stores = new LinkedHashMap<>();
		properties.getDatabases().forEach((database, overrides) -> {
			Path directory = overrides.getDirectory();
			if (directory != null) {
				stores.put(database, new LocalDirectoryBackupStore(directory));
			}
		});
		return stores.isEmpty() ? defaultStore : new PerDatabaseBackupStore(defaultStore, stores);
	}

	@Bean
	@ConditionalOnMissingBean
	SqliteBackupTemplate sqliteBackupTemplate(Map<String, DataSource> dataSources, BackupStore store,
			SqliteBackupProperties properties) {
		List<SqliteDatabase> databases = SqliteDataSources.find(dataSources);
		if (databases.isEmpty()) {
			logger.info("No SQLite DataSource among {}: nothing to back up", dataSources.keySet());
		}
		BackupOptions options = BackupOptions.defaults()
			.withVerifyMode(properties.getVerify())
			.withSafetyBackup(properties.getRestore().isSafetyBackup())
			.withBusyTimeout(properties.getBusyTimeout())
			.withMaxBytesPerSecond((properties.getMaxWriteRate() != null) ? properties.getMaxWriteRate().toBytes() : 0)
			.withMemoryStagingLimit(properties.getMemoryStagingLimit().toBytes())
			.withStoredForm(StoredForms.of(properties))
			.withSyncInterval(properties.getContinuous().getSyncInterval())
			.withCompaction(properties.getContinuous().getCompaction().isEnabled() ? CompactionLevels.DEFAULT
					: CompactionLevels.NONE)
			.withLeaseDuration(properties.leaseDuration(databases.stream().map(SqliteDatabase::name).toList()));
		return new SqliteBackupTemplate(databases, store, options);
	}

	// Not replaceable: it is what keeps an empty database from standing in for a lost one.
	@Bean
	SqliteStartupRestore sqliteStartupRestore(SqliteBackupTemplate template, SqliteBackupProperties properties,
			Map<String, DataSource> dataSources) {
		return new SqliteStartupRestore(template, properties, dataSources);
	}

	@Bean
	StartupReport sqliteBackupStartupReport(SqliteBackupTemplate template, SqliteBackupProperties properties,
			Map<String, DataSource> dataSources, Environment environment, BeanFactory beanFactory) {
		Function<String, String> whereBackupsGo;
		if (beanFactory.containsBean("sqliteBackupStore") || beanFactory.containsBean("sqliteS3BackupStore")) {
			Path shared = BackupDirectories.shared(properties, dataSources, environment);
			whereBackupsGo = (database) -> BackupDirectories.describe(properties, shared, database);
		}
		else {
			// The application's own store: only it knows where each database's backups go.
			BackupStore store = template.getStore();
			whereBackupsGo = (database) -> store.describe();
		}
		return new StartupReport(template, properties, whereBackupsGo, Clock.systemDefaultZone());
	}

	@Bean
	@ConditionalOnMissingBean
	SqliteBackupScheduler sqliteBackupScheduler(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		return new SqliteBackupScheduler(template, properties);
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty(name = "sqlite.backup.drill.enabled", matchIfMissing = true)
	SqliteDrillScheduler sqliteDrillScheduler(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		return new SqliteDrillScheduler(template, properties.getDrill().getCron());
	}

	@Bean
	@ConditionalOnMissingBean
	ContinuousBackupLifecycle continuousBackupLifecycle(SqliteBackupTemplate template,
			SqliteBackupProperties properties, ObjectProvider<SqliteFilesAtStartup> filesAtStartup) {
		return new ContinuousBackupLifecycle(template, properties,
				filesAtStartup.getIfAvailable(SqliteFilesAtStartup::new));
	}

	// Static: a BeanPostProcessor must exist before the data sources it looks at.
	@Bean
	static SqliteFilesAtStartup sqliteFilesAtStartup() {
		return new SqliteFilesAtStartup();
	}

	@Bean
	@ConditionalOnMissingBean
	SqliteBackupLifecycle sqliteBackupLifecycle(SqliteBackupTemplate template, SqliteBackupProperties properties) {
		return new SqliteBackupLifecycle(template, properties.getShutdownTimeout());
	}

	@Bean
	@ConditionalOnMissingBean
	BackupEventPublisher sqliteBackupEventPublisher(SqliteBackupTemplate template,
			ApplicationEventPublisher eventPublisher) {
		return new BackupEventPublisher(template, eventPublisher);
	}

	// Not replaceable: an application that defines its own listeners or publisher still needs
	// them registered, and registering is all this bean does.
	@Bean
	BackupListenerRegistrar sqliteBackupListenerRegistrar(SqliteBackupTemplate template,
			ObjectProvider<BackupListener> listeners, ObjectProvider<RestoreDrillCheck> drillChecks) {
		return new BackupListenerRegistrar(template, listeners, drillChecks);
	}

}
