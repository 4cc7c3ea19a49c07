/**
 * What every flow of the engine shares: the context a flow runs in, SQLite connections, listeners,
 * messages, the per-database locks and holds, paced copies and the checks of a backup file.
 */
@NullMarked
package dev.sqlitebackup.engine;

import org.jspecify.annotations.NullMarked;
