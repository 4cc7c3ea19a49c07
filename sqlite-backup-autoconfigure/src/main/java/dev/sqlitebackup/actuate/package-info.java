/**
 * Actuator support for SQLite backups: the {@code sqlitebackup} endpoint, the health contributor,
 * the metrics, and the masking of backup keys in actuator output. It only exposes the engine;
 * every decision about how a backup is taken stays in {@link dev.sqlitebackup}.
 */
@NullMarked
package dev.sqlitebackup.actuate;

import org.jspecify.annotations.NullMarked;
