package dev.sqlitebackup.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.s3.S3BackupStore;

/**
 * Where the backups are (a directory, or a bucket with the same settings as the starter's
 * {@code sqlite.backup.s3.*}), and the encryption keys, read from the environment and never from
 * the command line, where other users of the machine could read them.
 */
final class StoreOptions {

	/** Environment variable holding the current encryption key (base64 of 32 bytes). */
	static final String KEY_VARIABLE = "SQLITE_BACKUP_ENCRYPTION_KEY";

	/** Environment variable holding older keys, as {@code id=base64,id=base64}. */
	static final String OLD_KEYS_VARIABLE = "SQLITE_BACKUP_OLD_KEYS";

	/** S3 parts are never written by this tool; the store needs a size all the same. */
	private static final long PART_SIZE = 16L * 1024 * 1024;

	@ArgGroup(exclusive = true, multiplicity = "1")
	Location location;

	@Option(names = "--s3-prefix", description = "Key prefix of the backups in the bucket (sqlite.backup.s3.prefix).",
			defaultValue = "")
	String prefix;

	@Option(names = "--s3-endpoint", description = "Endpoint of an S3-compatible service (sqlite.backup.s3.endpoint).")
	@Nullable URI endpoint;

	@Option(names = "--s3-region", description = "Region of the bucket (sqlite.backup.s3.region).")
	@Nullable String region;

	@Option(names = "--s3-path-style", description = "Whether to address the bucket in the path "
			+ "(sqlite.backup.s3.path-style-access), as most S3-compatible services need.")
	boolean pathStyle;

	@Option(names = "--key-id", description = "Id the current key is recorded under (sqlite.backup.encryption.key-id).",
			defaultValue = "default")
	String keyId;

	/** Either a directory or a bucket. */
	static final class Location {

		@Option(names = "--directory", required = true,
				description = "Backup directory (sqlite.backup.directory), one sub-directory per database.")
		@Nullable Path directory;

		@Option(names = "--s3-bucket", required = true, description = "Bucket of the backups (sqlite.backup.s3.bucket); "
				+ "credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID, ~/.aws, ...).")
		@Nullable String bucket;

	}

	/** A template over the store for these databases, which it knows only by their backups. */
	SqliteBackupTemplate template(BackupStore store, List<String> databases) {
		BackupOptions options = BackupOptions.defaults().withStoredForm(new StoredForm(BackupCodec.NONE, encryption()));
		return new SqliteBackupTemplate(databases.stream().map(SqliteDatabase::storedOnly).toList(), store, options);
	}

	/** Opens the store, for a try-with-resources that closes it. */
	Opened open() throws IOException {
		return new Opened(store());
	}

	/**
	 * A store opened for one command.
	 *
	 * @param store the store
	 */
	record Opened(BackupStore store) implements AutoCloseable {

		@Override
		public void close() throws Exception {
			if (this.store instanceof AutoCloseable closeable) {
				closeable.close();
			}
		}

	}

	private BackupStore store() throws IOException {
		if (this.location.directory != null) {
			Path directory = this.location.directory;
			if (!Files.isDirectory(directory)) {
				throw new IllegalArgumentException("Backup directory " + directory + " does not exist");
			}
			return new LocalDirectoryBackupStore(directory);
		}
		S3ClientBuilder builder = S3Client.builder().forcePathStyle(this.pathStyle);
		if (this.endpoint != null) {
			builder.endpointOverride(this.endpoint);
		}
		if (this.region != null) {
			builder.region(Region.of(this.region));
		}
		else if (this.endpoint != null) {
			// S3-compatible services mostly ignore the region, but the SDK needs one to sign.
			builder.region(Region.US_EAST_1);
		}
		Path staging = Files.createTempDirectory("sqlite-backup-cli-");
		// What a bucket's objects are downloaded into while they are checked; gone when the tool exits.
		Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(staging)));
		return new S3BackupStore(builder.build(), this.location.bucket, this.prefix, staging, PART_SIZE);
	}

	private static void deleteTree(Path root) {
		try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
			for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(path);
			}
		}
		catch (IOException ex) {
			// Only temporary files are left behind.
		}
	}

	/** What the store is, for messages. */
	String describe() {
		return (this.location.directory != null) ? this.location.directory.toString()
				: "s3://" + this.location.bucket + "/" + this.prefix;
	}

	private @Nullable BackupEncryption encryption() {
		String key = System.getenv(KEY_VARIABLE);
		String oldKeys = System.getenv(OLD_KEYS_VARIABLE);
		if ((key == null || key.isBlank()) && (oldKeys == null || oldKeys.isBlank())) {
			return null;
		}
		if (key == null || key.isBlank()) {
			throw new IllegalArgumentException(OLD_KEYS_VARIABLE + " is set but " + KEY_VARIABLE + " is not");
		}
		Map<String, byte[]> old = new LinkedHashMap<>();
		if (oldKeys != null && !oldKeys.isBlank()) {
			for (String entry : oldKeys.split(",")) {
				int equals = entry.indexOf('=');
				if (equals <= 0) {
					throw new IllegalArgumentException(OLD_KEYS_VARIABLE + " must read id=base64,id=base64");
				}
				String id = entry.substring(0, equals).trim();
				old.put(id, BackupEncryption.decodeKey(id, entry.substring(equals + 1)));
			}
		}
		return BackupEncryption.of(this.keyId, BackupEncryption.decodeKey(this.keyId, key), old);
	}

}
