/**
 * The backup engine: online, verified backups and restores of SQLite databases. Nothing in this
 * package or its sub-packages depends on Spring; {@link dev.sqlitebackup.SqliteBackupTemplate} is
 * the front door.
 */
@NullMarked
package dev.sqlitebackup;

import org.jspecify.annotations.NullMarked;
