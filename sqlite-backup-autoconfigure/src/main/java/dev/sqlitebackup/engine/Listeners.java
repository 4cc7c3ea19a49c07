package dev.sqlitebackup.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.core.DB;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.OperationStatus;
import dev.sqlitebackup.OperationType;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.OperationLocks.RunningOperation;

/**
 * The template's listeners, each told on its own: a listener that throws is logged and the others
 * are still told. The operation's outcome stands whatever a listener does; a restore that replaced
 * the live database must not be reported as failed because a metrics callback broke.
 */
public final class Listeners {

	private static final Logger logger = LoggerFactory.getLogger(Listeners.class);

	private static final Duration PROGRESS_LOG_INTERVAL = Duration.ofSeconds(5);

	private final List<BackupListener> listeners = new CopyOnWriteArrayList<>();

	public void add(BackupListener listener) {
		this.listeners.add(listener);
	}

	public void tell(Consumer<BackupListener> call) {
		for (BackupListener listener : this.listeners) {
			try {
				call.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("Backup listener {} failed; the operation's outcome stands", listener, ex);
			}
		}
	}

	/**
	 * Reports progress and paces the copy. A copy made in several passes over the same pages
	 * reports pass {@code pass} of {@code passes} as that share of one growing total.
	 */
	DB.ProgressObserver progress(SqliteDatabase db, RunningOperation operation, CopyPacer pacer, int pass,
			int passes) {
		long[] lastLog = { System.nanoTime() };
		return (remaining, pageCount) -> {
			long copied = Math.max(0, pageCount - remaining);
			pacer.afterStep(copied);
			OperationStatus status = operation.progress((pass * (long) pageCount + copied) / passes, pageCount);
			long now = System.nanoTime();
			if (now - lastLog[0] >= PROGRESS_LOG_INTERVAL.toNanos() && status.pagesDone() < pageCount) {
				lastLog[0] = now;
				logger.info("{} of database '{}': {}% ({} of {} pages)", status.type() == OperationType.RESTORE
						? "Restore" : "Backup", db.name(), Math.round(status.fractionDone() * 100),
						status.pagesDone(), status.pagesTotal());
			}
			for (BackupListener listener : this.listeners) {
				try {
					listener.progress(status);
				}
				catch (RuntimeException ex) {
					logger.debug("Progress listener failed", ex);
				}
			}
		};
	}

}
