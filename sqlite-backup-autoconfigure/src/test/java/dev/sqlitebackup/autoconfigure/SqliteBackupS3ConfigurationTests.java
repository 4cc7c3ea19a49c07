package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.OffsiteCopyBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code sqlite.backup.s3.*} against a real S3-compatible server (S3Proxy) on loopback. */
class SqliteBackupS3ConfigurationTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	@TempDir
	Path dir;

	@BeforeAll
	static void createBucket() {
		s3proxy.client().createBucket((request) -> request.bucket("app-backups"));
	}

	private ApplicationContextRunner contextRunner() {
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupAutoConfiguration.class))
			.withUserConfiguration(TestDataSources.SingleSqlite.class)
			.withPropertyValues("test.dir=" + this.dir, "sqlite.backup.directory=" + this.dir.resolve("backups"),
					"sqlite.backup.schedule.enabled=false");
	}

	private ApplicationContextRunner s3ContextRunner() {
		return contextRunner().withPropertyValues("sqlite.backup.s3.bucket=app-backups",
				"sqlite.backup.s3.prefix=" + this.dir.getFileName(), "sqlite.backup.s3.endpoint=" + s3proxy.server().endpoint(),
				"sqlite.backup.s3.path-style-access=true", "sqlite.backup.s3.access-key=" + S3ProxyServer.ACCESS_KEY,
				"sqlite.backup.s3.secret-key=" + S3ProxyServer.SECRET_KEY);
	}

	@Test
	void runWithoutBucketShouldUseTheLocalDirectory() {
		contextRunner().run((context) -> assertThat(context).getBean(BackupStore.class)
			.isInstanceOf(LocalDirectoryBackupStore.class));
	}

	@Test
	void runWithBucketShouldBackUpToTheBucket() {
		s3ContextRunner().withPropertyValues("sqlite.backup.compression=zstd").run((context) -> {
			assertThat(context).hasSingleBean(BackupStore.class).getBean(BackupStore.class)
				.isInstanceOf(S3BackupStore.class);
			assertThat(context).doesNotHaveBean(S3Client.class);
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup backup = template.backup("dataSource");
			assertThat(template.list("dataSource")).containsExactly(backup);
			try (S3Client client = s3proxy.server().client()) {
				assertThat(client.listObjectsV2((request) -> request.bucket("app-backups").prefix(this.dir.getFileName() + "/"))
					.contents()).extracting(S3Object::key)
					.containsExactlyInAnyOrder(this.dir.getFileName() + "/dataSource/" + backup.id() + ".manifest",
							this.dir.getFileName() + "/dataSource/" + backup.id() + ".sqlite.zst");
			}
			assertThat(template.restore("dataSource", backup.id(), false).restoredFrom()).isEqualTo(backup.id());
		});
	}

	@Test
	void runWithKeepLocalShouldKeepTheNewestBackupsLocallyAndCopyEachToTheBucket() {
		s3ContextRunner().withPropertyValues("sqlite.backup.s3.keep-local=1").run((context) -> {
			assertThat(context).getBean(BackupStore.class).isInstanceOf(OffsiteCopyBackupStore.class);
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			Backup first = template.backup("dataSource");
			Backup second = template.backup("dataSource");
			assertThat(template.list("dataSource")).containsExactly(second, first);
			assertThat(new LocalDirectoryBackupStore(this.dir.resolve("backups")).list("dataSource"))
				.containsExactly(second);
			try (S3Client client = s3proxy.server().client()) {
				assertThat(client.listObjectsV2((request) -> request.bucket("app-backups").prefix(this.dir.getFileName() + "/"))
					.contents()).extracting(S3Object::key)
					.containsExactlyInAnyOrder(this.dir.getFileName() + "/dataSource/" + first.id() + ".manifest",
							this.dir.getFileName() + "/dataSource/" + first.id() + ".sqlite",
							this.dir.getFileName() + "/dataSource/" + second.id() + ".manifest",
							this.dir.getFileName() + "/dataSource/" + second.id() + ".sqlite");
			}
		});
	}

	@Test
	void runWithKeepLocalShouldHonourADatabasesOwnDirectory() {
		s3ContextRunner()
			.withPropertyValues("sqlite.backup.s3.keep-local=2",
					"sqlite.backup.databases.dataSource.directory=" + this.dir.resolve("elsewhere"))
			.run((context) -> {
				Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
				assertThat(new LocalDirectoryBackupStore(this.dir.resolve("elsewhere")).list("dataSource"))
					.containsExactly(backup);
			});
	}

	@Test
	void runWithStorageClassShouldWriteDataObjectsInIt() {
		s3ContextRunner().withPropertyValues("sqlite.backup.s3.storage-class=ONEZONE_IA").run((context) -> {
			Backup backup = context.getBean(SqliteBackupTemplate.class).backup("dataSource");
			try (S3Client client = s3proxy.server().client()) {
				assertThat(client
					.headObject((request) -> request.bucket("app-backups")
						.key(this.dir.getFileName() + "/dataSource/" + backup.id() + ".sqlite"))
					.storageClassAsString()).isEqualTo("ONEZONE_IA");
			}
		});
	}

	@Test
	void runWithArchiveStorageClassShouldFailAtStartup() {
		s3ContextRunner().withPropertyValues("sqlite.backup.s3.storage-class=GLACIER")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sqlite.backup.s3.storage-class")
				.hasMessageContaining("GLACIER_IR"));
	}

	@Test
	void runWithNegativeKeepLocalShouldFailAtStartup() {
		s3ContextRunner().withPropertyValues("sqlite.backup.s3.keep-local=-1")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sqlite.backup.s3.keep-local"));
	}

	@Test
	void runWithWrongSecretShouldSayWhatIsWrong() {
		s3ContextRunner().withPropertyValues("sqlite.backup.s3.secret-key=wrong").run((context) -> {
			SqliteBackupTemplate template = context.getBean(SqliteBackupTemplate.class);
			org.assertj.core.api.Assertions.assertThatException()
				.isThrownBy(() -> template.backup("dataSource"))
				.withMessageContaining("HTTP 403")
				.withMessageContaining("check the access key and secret key");
		});
	}

	@Test
	void runWithAccessKeyButNoSecretKeyShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.s3.bucket=app-backups", "sqlite.backup.s3.access-key=x")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("sqlite.backup.s3.secret-key"));
	}

	@Test
	void runWithoutRegionWhereTheSdkFindsNoneShouldSayWhichPropertyToSet() throws Exception {
		assumeTrue(System.getenv("AWS_REGION") == null && System.getenv("AWS_DEFAULT_REGION") == null,
				"the environment sets a region");
		// The SDK's region chain without this machine's profile files and without asking EC2.
		Map<String, String> properties = Map.of("aws.configFile", this.dir.resolve("no-config").toString(),
				"aws.sharedCredentialsFile", this.dir.resolve("no-credentials").toString(), "aws.disableEc2Metadata",
				"true");
		properties.forEach(System::setProperty);
		try {
			contextRunner().withPropertyValues("sqlite.backup.s3.bucket=app-backups")
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.isInstanceOf(InvalidConfigurationPropertyValueException.class)
					.hasMessageContaining("sqlite.backup.s3.region")
					.hasMessageContaining("AWS_REGION"));
		}
		finally {
			properties.keySet().forEach(System::clearProperty);
		}
	}

	@Test
	void runWithBucketButWithoutTheAwsSdkShouldFailAtStartup() {
		contextRunner().withPropertyValues("sqlite.backup.s3.bucket=app-backups")
			.withClassLoader(new FilteredClassLoader("software.amazon.awssdk"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("software.amazon.awssdk:s3"));
	}

}
