/**
 * Reading a chain of continuous backup back: the index and history of the chains in a store, and the
 * restore to a point in time (a snapshot, then its segments replayed).
 */
@NullMarked
package dev.sqlitebackup.pointintime;

import org.jspecify.annotations.NullMarked;
