/**
 * Spring Boot auto-configuration for SQLite backups: it finds the SQLite data sources and wires the
 * engine; it takes no backups itself.
 */
@NullMarked
package dev.sqlitebackup.autoconfigure;

import org.jspecify.annotations.NullMarked;
