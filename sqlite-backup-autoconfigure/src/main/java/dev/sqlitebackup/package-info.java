/**
 * The backup engine: online, verified backups and restores of SQLite databases.
 * {@link dev.sqlitebackup.SqliteBackupTemplate} is the front door; each operation is a flow class
 * of its own ({@code BackupRun}, {@code RestoreRun}, {@code StoredBackupCheck}), and
 * {@link dev.sqlitebackup.BackupStore} is what a store implements. The engine, its stores
 * ({@code .store}) and codecs ({@code .codec}) do not depend on Spring; {@code .autoconfigure},
 * {@code .actuate} and {@code .event} are the Spring side. See ARCHITECTURE.md.
 */
@NullMarked
package dev.sqlitebackup;

import org.jspecify.annotations.NullMarked;
