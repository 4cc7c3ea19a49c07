/**
 * The backup engine's front door and public model: online, verified backups and restores of SQLite
 * databases. {@link dev.sqlitebackup.SqliteBackupTemplate} is the front door and the only class here
 * that uses the flow packages ({@code .engine}, {@code .backup}, {@code .restore},
 * {@code .pointintime}, {@code .continuous}, {@code .retention}); the rest is the model users and
 * stores see, and {@link dev.sqlitebackup.BackupStore} is what a store implements. The engine, its
 * stores ({@code .store}) and codecs ({@code .codec}) do not depend on Spring; {@code .autoconfigure},
 * {@code .actuate} and {@code .event} are the Spring side. See ARCHITECTURE.md.
 */
@NullMarked
package dev.sqlitebackup;

import org.jspecify.annotations.NullMarked;
