/**
 * Sample application: a notes API on an embedded SQLite file, backed up by the sqlite-backup
 * starter and operated through the {@code sqlitebackup} actuator endpoint.
 */
@NullMarked
package dev.sqlitebackup.sample;

import org.jspecify.annotations.NullMarked;
