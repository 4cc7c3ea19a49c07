/**
 * Recovery: a database lost with its disk restored from the store before the application opens
 * it, and restore drills that prove every day that the newest backup restores.
 */
@NullMarked
package dev.sqlitebackup.recovery;

import org.jspecify.annotations.NullMarked;
