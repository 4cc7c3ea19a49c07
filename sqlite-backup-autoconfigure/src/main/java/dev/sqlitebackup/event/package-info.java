/**
 * Application events for finished backups and restores, published by {@link
 * dev.sqlitebackup.event.BackupEventPublisher}. Listen to {@link
 * dev.sqlitebackup.event.SqliteBackupEvent} to hear about all of them.
 */
@NullMarked
package dev.sqlitebackup.event;

import org.jspecify.annotations.NullMarked;
