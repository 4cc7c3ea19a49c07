/**
 * Actuator support for SQLite backups: the {@code sqlitebackup} endpoint, the health contributor
 * and the metrics. It only exposes the engine; every decision about how a backup is taken stays in
 * {@link dev.sqlitebackup}.
 */
@NullMarked
package dev.sqlitebackup.actuate;

import org.jspecify.annotations.NullMarked;
