package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.core.env.Environment;

import dev.sqlitebackup.SqliteBackupException;
import dev.sqlitebackup.SqliteDatabase;

/**
 * The shared backup directory: {@code sqlite.backup.directory}, else a default that keeps copies of
 * live data out of the working directory, which under {@code mvn spring-boot:run} or an IDE is a
 * source checkout.
 */
final class BackupDirectories {

	private static final String BESIDE_DATABASE = "backups";

	private BackupDirectories() {
	}

	/**
	 * The configured directory, else "backups" beside the first SQLite file database (whose folder
	 * already holds live data), else, when every database is in memory, a folder named after the
	 * application in the user's home directory.
	 */
	static Path shared(SqliteBackupProperties properties, Map<String, DataSource> dataSources,
			Environment environment) {
		Path configured = properties.getDirectory();
		if (configured != null) {
			return configured;
		}
		for (SqliteDatabase database : SqliteDataSources.find(dataSources)) {
			Path file = fileOf(database);
			if (file != null && file.getParent() != null) {
				return file.getParent().resolve(BESIDE_DATABASE);
			}
		}
		String application = environment.getProperty("spring.application.name", "application");
		return Path.of(environment.getProperty("user.home", System.getProperty("user.home")), ".sqlite-backup",
				application);
	}

	/** Where the starter's own stores keep the backups of a database, for people to read. */
	static String describe(SqliteBackupProperties properties, Path sharedDirectory, String database) {
		Path override = properties.directoryOf(database);
		Path local = ((override != null) ? override : sharedDirectory).resolve(database).toAbsolutePath();
		SqliteBackupS3Properties s3 = properties.getS3();
		if (s3.getBucket() == null) {
			return local.toString();
		}
		String bucket = "s3://" + s3.getBucket() + "/" + s3.getPrefix() + database + "/";
		return (s3.getKeepLocal() > 0) ? bucket + " (the newest " + s3.getKeepLocal() + " also in " + local + ")"
				: bucket;
	}

	private static @Nullable Path fileOf(SqliteDatabase database) {
		// The URL first: it needs no connection, so this works before the database's folder exists.
		String url = SqliteDataSources.jdbcUrl(database.dataSource());
		if (url != null) {
			Path file = SqliteUrls.databaseFile(url);
			return (file != null) ? file.toAbsolutePath() : null;
		}
		try {
			return database.file().orElse(null);
		}
		catch (SqliteBackupException ex) {
			return null;
		}
	}

}
