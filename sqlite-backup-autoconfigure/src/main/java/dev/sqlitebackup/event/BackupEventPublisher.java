package dev.sqlitebackup.event;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.RestoreDrillResult;
import dev.sqlitebackup.RestoreResult;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Turns what the engine reports into {@link SqliteBackupEvent application events}. An
 * application's event listener that throws must not turn a published backup into a failed one
 * (the engine calls its listeners inside the operation), so failures of listeners are logged and
 * swallowed here.
 */
public class BackupEventPublisher implements BackupListener {

	private static final Logger logger = LoggerFactory.getLogger(BackupEventPublisher.class);

	private final SqliteBackupTemplate template;

	private final ApplicationEventPublisher publisher;

	public BackupEventPublisher(SqliteBackupTemplate template, ApplicationEventPublisher publisher) {
		this.template = template;
		this.publisher = publisher;
	}

	@Override
	public void backupCompleted(Backup backup) {
		publish(new BackupCompletedEvent(this.template, backup));
	}

	@Override
	public void backupFailed(String database, BackupTrigger trigger, Duration elapsed, Exception failure) {
		publish(new BackupFailedEvent(this.template, database, trigger, elapsed, failure));
	}

	@Override
	public void restoreCompleted(RestoreResult result) {
		publish(new RestoreCompletedEvent(this.template, result));
	}

	@Override
	public void restoreFailed(String database, String backupId, Duration elapsed, Exception failure) {
		publish(new RestoreFailedEvent(this.template, database, backupId, elapsed, failure));
	}

	@Override
	public void captureCompleted(CaptureResult result) {
		if (result.startedChain()) {
			publish(new ContinuousChainStartedEvent(this.template, result));
		}
	}

	@Override
	public void captureFailed(String database, Exception failure) {
		publish(new ContinuousCaptureFailedEvent(this.template, database, failure));
	}

	@Override
	public void drillCompleted(RestoreDrillResult result) {
		publish(new RestoreDrillCompletedEvent(this.template, result));
	}

	private void publish(SqliteBackupEvent event) {
		try {
			this.publisher.publishEvent(event);
		}
		catch (RuntimeException ex) {
			logger.warn("A listener of {} for database '{}' failed: {}", event.getClass().getSimpleName(),
					event.getDatabase(), ex.toString(), ex);
		}
	}

}
