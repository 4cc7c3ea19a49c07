/**
 * Restoring one backup into the live database, after a safety backup of what it replaces.
 */
@NullMarked
package dev.sqlitebackup.restore;

import org.jspecify.annotations.NullMarked;
