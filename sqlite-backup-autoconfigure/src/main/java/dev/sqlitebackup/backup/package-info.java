/**
 * Taking one backup: a consistent snapshot of the live database, staged, verified, encoded and
 * published.
 */
@NullMarked
package dev.sqlitebackup.backup;

import org.jspecify.annotations.NullMarked;
