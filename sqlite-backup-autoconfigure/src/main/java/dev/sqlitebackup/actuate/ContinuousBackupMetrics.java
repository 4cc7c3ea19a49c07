package dev.sqlitebackup.actuate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Micrometer meters of continuous backup, per database: {@code sqlite.backup.continuous.lag}
 * (seconds since the last successful pass; NaN while none), {@code .wal.size} (bytes of the
 * {@code -wal} file), and the counters {@code .segments}, {@code .bytes} (uncompressed) and
 * {@code .failures}. Fed by the engine as a {@link BackupListener}.
 */
public class ContinuousBackupMetrics implements BackupListener {

	private static final String DATABASE = "database";

	private final MeterRegistry registry;

	/**
	 * Registers the meters of every database of the template.
	 * @param template engine whose continuous backup is measured
	 * @param registry where the meters go
	 */
	public ContinuousBackupMetrics(SqliteBackupTemplate template, MeterRegistry registry) {
		this.registry = registry;
		for (String database : template.getDatabaseNames()) {
			Gauge.builder("sqlite.backup.continuous.lag", template,
					(engine) -> engine.continuousLag(database).map((lag) -> lag.toMillis() / 1000.0).orElse(Double.NaN))
				.description("Seconds since the last successful pass of continuous backup")
				.baseUnit("seconds")
				.tag(DATABASE, database)
				.register(registry);
			Gauge.builder("sqlite.backup.continuous.backlog", template,
					(engine) -> engine.continuousBacklog(database).map(Long::doubleValue).orElse(Double.NaN))
				.description("Bytes committed to the WAL that continuous backup has not shipped yet, as its last pass "
						+ "found them")
				.baseUnit("bytes")
				.tag(DATABASE, database)
				.register(registry);
			Gauge.builder("sqlite.backup.continuous.wal.size", template, (engine) -> walSize(engine, database))
				.description("Size of the database's write-ahead log")
				.baseUnit("bytes")
				.tag(DATABASE, database)
				.register(registry);
			counter("sqlite.backup.continuous.segments", database);
			counter("sqlite.backup.continuous.bytes", database);
			counter("sqlite.backup.continuous.failures", database);
		}
	}

	@Override
	public void captureCompleted(CaptureResult result) {
		if (result.frames() > 0) {
			counter("sqlite.backup.continuous.segments", result.database()).increment();
			counter("sqlite.backup.continuous.bytes", result.database()).increment(result.bytes());
		}
	}

	@Override
	public void captureFailed(String database, Exception failure) {
		counter("sqlite.backup.continuous.failures", database).increment();
	}

	private Counter counter(String name, String database) {
		return Counter.builder(name).tag(DATABASE, database).register(this.registry);
	}

	private static double walSize(SqliteBackupTemplate template, String database) {
		try {
			Optional<Path> file = template.getDatabase(database).file();
			if (file.isEmpty()) {
				return Double.NaN;
			}
			Path wal = file.get().resolveSibling(file.get().getFileName() + "-wal");
			// Only the size is read (a stat): the file itself is never opened here.
			return Files.exists(wal) ? Files.size(wal) : 0;
		}
		catch (IOException | RuntimeException ex) {
			return Double.NaN;
		}
	}

}
