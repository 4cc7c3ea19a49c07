package dev.sqlitebackup.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import software.amazon.awssdk.services.s3.S3Client;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runnable jar itself, as an operator runs it: encrypted, compressed backups and continuous
 * backup in a bucket (S3Proxy), credentials from the AWS SDK's environment variables and the key
 * from {@code SQLITE_BACKUP_ENCRYPTION_KEY}.
 */
class SqliteBackupCliJarIT {

	@TempDir
	Path temp;

	@Test
	void theJarListsAndRestoresEncryptedBackupsFromABucketWithTheKeyFromTheEnvironment() throws Exception {
		byte[] key = new byte[32];
		new SecureRandom().nextBytes(key);
		String base64 = Base64.getEncoder().encodeToString(key);
		try (S3ProxyServer server = S3ProxyServer.start(java.nio.file.Files.createDirectories(this.temp.resolve("s3proxy")));
				S3Client client = server.client()) {
			client.createBucket((request) -> request.bucket("backups"));
			SQLiteConfig config = new SQLiteConfig();
			config.setJournalMode(SQLiteConfig.JournalMode.WAL);
			SQLiteDataSource live = new SQLiteDataSource(config);
			live.setUrl("jdbc:sqlite:" + this.temp.resolve("app.db"));
			execute(live, "CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
			execute(live, "INSERT INTO note (text) VALUES ('in the snapshot')");
			S3BackupStore store = new S3BackupStore(client, "backups", "prod", this.temp.resolve("staging"),
					8L * 1024 * 1024);
			SqliteBackupTemplate application = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", live)), store,
					BackupOptions.defaults()
						.withSafetyBackup(false)
						.withStoredForm(new StoredForm(BackupCodec.GZIP, BackupEncryption.of("default", key, Map.of()))));
			application.capture("app");
			execute(live, "INSERT INTO note (text) VALUES ('in a segment')");
			application.capture("app");
			application.stopCapture("app");
			Backup backup = application.list("app").get(0);
			List<String> bucket = List.of("--s3-bucket", "backups", "--s3-prefix", "prod", "--s3-endpoint",
					server.endpoint().toString(), "--s3-path-style");

			Result list = jar(base64, "list", bucket, "--json");
			assertThat(list.exit()).as(list.err()).isZero();
			assertThat(list.out()).contains("\"name\":\"app\"").contains(backup.id());

			Path restored = this.temp.resolve("restored.db");
			Result restore = jar(base64, "restore", bucket, "--database", "app", "--output", restored.toString());
			assertThat(restore.exit()).as(restore.err()).isZero();
			assertThat(SqliteBackupCliTests.notes(restored)).containsExactly("in the snapshot", "in a segment");

			Result withoutKey = jar(null, "restore", bucket, "--database", "app", "--output",
					this.temp.resolve("other.db").toString());
			assertThat(withoutKey.exit()).isEqualTo(1);
			assertThat(withoutKey.err()).containsIgnoringCase("key");
			assertThat(this.temp.resolve("other.db")).doesNotExist();
			try (java.util.stream.Stream<Path> left = java.nio.file.Files.list(this.temp.resolve("tmp"))) {
				assertThat(left).as("what the runs left in their temporary folder").isEmpty();
			}
		}
	}

	private Result jar(String key, String command, List<String> store, String... more) throws Exception {
		Path tmp = java.nio.file.Files.createDirectories(this.temp.resolve("tmp"));
		List<String> line = new ArrayList<>(List.of(javaExecutable(), "-Djava.io.tmpdir=" + tmp, "-jar",
				System.getProperty("cli.jar"), command));
		line.addAll(store);
		line.addAll(List.of(more));
		ProcessBuilder builder = new ProcessBuilder(line);
		builder.environment().put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
		builder.environment().put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
		builder.environment().remove(StoreOptions.KEY_VARIABLE);
		if (key != null) {
			builder.environment().put(StoreOptions.KEY_VARIABLE, key);
		}
		builder.redirectOutput(this.temp.resolve("out.txt").toFile());
		builder.redirectError(this.temp.resolve("err.txt").toFile());
		Process process = builder.start();
		assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
		return new Result(process.exitValue(),
				java.nio.file.Files.readString(this.temp.resolve("out.txt"), StandardCharsets.UTF_8),
				java.nio.file.Files.readString(this.temp.resolve("err.txt"), StandardCharsets.UTF_8));
	}

	private static String javaExecutable() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	private static void execute(SQLiteDataSource dataSource, String sql) throws SQLException {
		try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
			statement.execute(sql);
		}
	}

	private record Result(int exit, String out, String err) {
	}

}
