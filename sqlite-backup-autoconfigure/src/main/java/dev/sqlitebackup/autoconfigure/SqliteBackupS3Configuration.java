package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3Timeouts;

/**
 * The S3 store, when {@code sqlite.backup.s3.bucket} is set, alone or behind local copies of the
 * newest backups ({@code sqlite.backup.s3.keep-local}). Imported before the local store's bean
 * method, which then backs off. The S3 client is the store's own and not a bean, so that it never
 * meets an S3 client the application configures for itself.
 */
final class SqliteBackupS3Configuration {

	static final String BUCKET = "sqlite.backup.s3.bucket";

	static final String KEEP_LOCAL = "sqlite.backup.s3.keep-local";

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupS3Configuration.class);

	private SqliteBackupS3Configuration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "software.amazon.awssdk.services.s3.S3Client")
	@ConditionalOnProperty(BUCKET)
	static final class S3StoreConfiguration {

		@Bean
		@ConditionalOnMissingBean
		BackupStore sqliteS3BackupStore(SqliteBackupProperties properties, Map<String, DataSource> dataSources,
				Environment environment) {
			Path directory = BackupDirectories.shared(properties, dataSources, environment);
			SqliteBackupS3Properties s3 = properties.getS3();
			int keepLocal = s3.getKeepLocal();
			if (keepLocal < 0) {
				throw new InvalidConfigurationPropertyValueException(KEEP_LOCAL, keepLocal,
						"Use 0 to keep backups only in the bucket, or how many of the newest to keep locally too");
			}
			try {
				S3BackupStore.checkedStorageClass(s3.getStorageClass());
			}
			catch (IllegalArgumentException ex) {
				throw new InvalidConfigurationPropertyValueException("sqlite.backup.s3.storage-class",
						s3.getStorageClass(), ex.getMessage());
			}
			S3Timeouts timeouts = timeouts(s3);
			S3Client client = client(s3);
			BackupStore bucket = new ClientClosingS3BackupStore(client, s3.getBucket(), s3.getPrefix(),
					directory, s3.getPartSize().toBytes(), s3.getStorageClass(), timeouts);
			if (keepLocal == 0) {
				warnAboutIgnoredDirectories(properties);
				return bucket;
			}
			return new OffsiteCopyBackupStore(SqliteBackupAutoConfiguration.localStore(properties, directory), bucket, keepLocal);
		}

		private static void warnAboutIgnoredDirectories(SqliteBackupProperties properties) {
			properties.getDatabases().forEach((database, overrides) -> {
				if (overrides.getDirectory() != null) {
					logger.warn("Ignoring sqlite.backup.databases.{}.directory: backups go to the bucket only; set {} "
							+ "to keep the newest backups in that directory too", database, KEEP_LOCAL);
				}
			});
		}

		private static S3Timeouts timeouts(SqliteBackupS3Properties s3) {
			if (s3.getCallTimeout() == null || s3.getCallTimeout().isNegative() || s3.getCallTimeout().isZero()) {
				throw new InvalidConfigurationPropertyValueException("sqlite.backup.s3.call-timeout", s3.getCallTimeout(),
						"Every request to the bucket needs a deadline above zero, such as 30s");
			}
			if (s3.getMinTransferRate() == null || s3.getMinTransferRate().toBytes() <= 0) {
				throw new InvalidConfigurationPropertyValueException("sqlite.backup.s3.min-transfer-rate",
						s3.getMinTransferRate(), "Use the slowest transfer rate to accept, per second, such as 1MB");
			}
			return new S3Timeouts(s3.getCallTimeout(), s3.getMinTransferRate().toBytes());
		}

		private static S3Client client(SqliteBackupS3Properties s3) {
			S3ClientBuilder builder = S3Client.builder().forcePathStyle(s3.isPathStyleAccess());
			if (s3.getEndpoint() != null) {
				builder.endpointOverride(s3.getEndpoint());
			}
			if (s3.getRegion() != null) {
				builder.region(Region.of(s3.getRegion()));
			}
			else if (s3.getEndpoint() != null) {
				// S3-compatible services mostly ignore the region, but the SDK needs one to sign.
				builder.region(Region.US_EAST_1);
			}
			if (s3.getAccessKey() != null || s3.getSecretKey() != null) {
				if (s3.getAccessKey() == null || s3.getSecretKey() == null) {
					throw new InvalidConfigurationPropertyValueException(
							(s3.getAccessKey() == null) ? "sqlite.backup.s3.access-key" : "sqlite.backup.s3.secret-key",
							null, "Set both sqlite.backup.s3.access-key and sqlite.backup.s3.secret-key, or neither to "
									+ "use the AWS SDK's default credentials chain");
				}
				builder.credentialsProvider(StaticCredentialsProvider
					.create(AwsBasicCredentials.create(s3.getAccessKey(), s3.getSecretKey())));
			}
			try {
				return builder.build();
			}
			catch (SdkClientException ex) {
				if (s3.getRegion() == null && s3.getEndpoint() == null) {
					throw new InvalidConfigurationPropertyValueException("sqlite.backup.s3.region", null,
							"The AWS SDK found no region for bucket '" + s3.getBucket() + "': set "
									+ "sqlite.backup.s3.region, the AWS_REGION environment variable or a profile's region ("
									+ ex.getMessage() + ")");
				}
				throw ex;
			}
		}

	}

	/** Fails at startup rather than quietly keeping backups on the local disk. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnMissingClass("software.amazon.awssdk.services.s3.S3Client")
	@ConditionalOnProperty(BUCKET)
	static final class S3SdkMissingConfiguration {

		@Bean
		Object sqliteBackupS3SdkMissing(SqliteBackupProperties properties) {
			throw new InvalidConfigurationPropertyValueException(BUCKET, properties.getS3().getBucket(),
					"Backups to S3 need the AWS SDK for Java v2 on the class path: add the dependency "
							+ "software.amazon.awssdk:s3");
		}

	}

	/** Closes the client it was given when the application context closes. */
	static final class ClientClosingS3BackupStore extends S3BackupStore implements AutoCloseable {

		private final S3Client client;

		ClientClosingS3BackupStore(S3Client client, String bucket, String prefix, java.nio.file.Path staging,
				long partSize, @Nullable String storageClass, S3Timeouts timeouts) {
			super(client, bucket, prefix, staging, partSize, storageClass, timeouts);
			this.client = client;
		}

		@Override
		public void close() {
			this.client.close();
		}

	}

}
