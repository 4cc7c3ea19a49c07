/**
 * Where backups are kept: the store abstraction and the local directory store.
 */
@NullMarked
package dev.sqlitebackup.store;

import org.jspecify.annotations.NullMarked;
