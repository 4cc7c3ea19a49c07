package dev.sqlitebackup;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.store.s3.S3BackupStore;
import dev.sqlitebackup.store.s3.S3ProxyExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With java.util.logging at its finest, as someone chasing a problem with the HTTP traffic sets
 * it, requests to the bucket are not logged with their Authorization header, which the JDK's
 * HTTP client would print with the access key id in it.
 */
class S3RequestLoggingTests {

	@RegisterExtension
	static final S3ProxyExtension s3proxy = new S3ProxyExtension();

	@TempDir
	Path temp;

	private final ByteArrayOutputStream logged = new ByteArrayOutputStream();

	private Handler handler;

	private Level rootLevel;

	private void logEverything() {
		Logger root = Logger.getLogger("");
		this.rootLevel = root.getLevel();
		this.handler = new StreamHandler(this.logged, new SimpleFormatter());
		this.handler.setLevel(Level.ALL);
		root.addHandler(this.handler);
		root.setLevel(Level.ALL);
	}

	@AfterEach
	void restoreLogging() {
		Logger root = Logger.getLogger("");
		if (this.handler != null) {
			root.removeHandler(this.handler);
			root.setLevel(this.rootLevel);
		}
	}

	@Test
	void requestHeadersToTheBucketStayOutOfTheLog() throws Exception {
		s3proxy.client().createBucket((request) -> request.bucket("logged"));
		logEverything();
		DataSource dataSource = TestDatabases.plain(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(dataSource, "first");
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				new S3BackupStore(s3proxy.client(), "logged", "prod", this.temp.resolve("staging"),
						S3BackupStore.MIN_PART_SIZE),
				BackupOptions.defaults());
		Logger.getLogger("probe").fine("fine records reach the log");
		template.backup("app");
		assertThat(template.list("app")).hasSize(1);
		this.handler.flush();
		String log = this.logged.toString(StandardCharsets.UTF_8);
		assertThat(log).contains("fine records reach the log");
		assertThat(log).doesNotContain("Authorization:").doesNotContain("Credential=");
	}

}
