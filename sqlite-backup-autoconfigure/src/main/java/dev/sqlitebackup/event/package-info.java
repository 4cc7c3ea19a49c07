/**
 * Application events for finished backups and restores, published by {@link
 * dev.sqlitebackup.event.BackupEventPublisher}. Listen to {@link
 * dev.sqlitebackup.event.SqliteBackupEvent} to hear about all of them. Also the listeners that
 * clear the application's caches after a restore.
 */
@NullMarked
package dev.sqlitebackup.event;

import org.jspecify.annotations.NullMarked;
