/**
 * Pruning the backups and chains that a retention policy no longer keeps.
 */
@NullMarked
package dev.sqlitebackup.retention;

import org.jspecify.annotations.NullMarked;
