package dev.sqlitebackup;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;
import software.amazon.awssdk.services.s3.S3Client;

import dev.sqlitebackup.store.s3.S3ProxyServer;

/**
 * The process that {@link S3CrashTests} kills: runs one backup to a bucket, alone or behind local
 * copies, and marks every call it makes to S3 ({@code S3 <method> <n-th call of it>}) through
 * {@link CrashChild#mark}, which can pause there to be killed.
 * <p>
 * Arguments: {@code <database file> <backup directory> <endpoint> <bucket> <keep-local> <pause marker>}.
 */
public final class S3CrashChild {

	private S3CrashChild() {
	}

	public static void main(String[] args) throws Exception {
		SQLiteConfig config = new SQLiteConfig();
		config.setJournalMode(SQLiteConfig.JournalMode.WAL);
		config.setBusyTimeout(10_000);
		SQLiteDataSource dataSource = new SQLiteDataSource(config);
		dataSource.setUrl("jdbc:sqlite:" + args[0]);
		CrashChild.pauseAt(args[5]);
		S3Client client = marking(S3ProxyServer.client(URI.create(args[2])));
		SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
				S3CrashTests.store(client, args[3], Path.of(args[1]), Integer.parseInt(args[4])),
				BackupOptions.defaults());
		template.backup("app");
		CrashChild.mark("DONE");
	}

	private static S3Client marking(S3Client real) {
		Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
		return (S3Client) Proxy.newProxyInstance(S3Client.class.getClassLoader(), new Class<?>[] { S3Client.class },
				(proxy, method, arguments) -> {
					if (!method.getDeclaringClass().equals(Object.class)) {
						int n = calls.computeIfAbsent(method.getName(), (name) -> new AtomicInteger()).incrementAndGet();
						CrashChild.mark("S3 " + method.getName() + " " + n);
					}
					try {
						return method.invoke(real, arguments);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

}
