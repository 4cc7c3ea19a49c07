/**
 * Spring Boot auto-configuration for SQLite backups: it finds the SQLite data sources and wires the
 * engine, the events, and the actuator support of {@link dev.sqlitebackup.actuate}; it takes no
 * backups itself. Every auto-configuration of the starter is here.
 */
@NullMarked
package dev.sqlitebackup.autoconfigure;

import org.jspecify.annotations.NullMarked;
