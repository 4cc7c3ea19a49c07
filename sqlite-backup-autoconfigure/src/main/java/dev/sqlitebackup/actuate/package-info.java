/**
 * Actuator support for SQLite backups: the {@code sqlitebackup} endpoint, the health contributor,
 * the metrics, and the masking of backup keys in actuator output. It only exposes the engine;
 * every decision about how a backup is taken stays in {@link dev.sqlitebackup}. It knows
 * nothing of the auto-configuration: what it needs (flags, maximum ages) comes in through its
 * constructors.
 */
@NullMarked
package dev.sqlitebackup.actuate;

import org.jspecify.annotations.NullMarked;
