/**
 * Where backups are kept: implementations of the engine's {@link dev.sqlitebackup.BackupStore} (a
 * local directory, a local directory with copies off-site, a store per database), the manifest
 * format and the file rules they share.
 */
@NullMarked
package dev.sqlitebackup.store;

import org.jspecify.annotations.NullMarked;
