/**
 * Continuous backup: capturing the WAL of a live database into chains of segments, their heads,
 * snapshots and compaction.
 */
@NullMarked
package dev.sqlitebackup.continuous;

import org.jspecify.annotations.NullMarked;
