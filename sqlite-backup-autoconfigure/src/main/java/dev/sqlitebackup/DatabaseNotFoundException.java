package dev.sqlitebackup;

import java.util.Collection;

/** Thrown when an operation names a database the template does not know. */
public class DatabaseNotFoundException extends SqliteBackupException {

	public DatabaseNotFoundException(String database) {
		super(database, null, "No SQLite database named '" + database + "'");
	}

	/**
	 * Creates an exception whose message lists the names that would have been found, so that a
	 * typo or a renamed {@code DataSource} bean is told apart from a missing database at once.
	 * @param database the name asked for
	 * @param known the names of the databases there are
	 */
	public DatabaseNotFoundException(String database, Collection<String> known) {
		super(database, null, "No SQLite database named '" + database + "'; " + (known.isEmpty()
				? "there is none" : "the databases are " + String.join(", ", known.stream().sorted().toList())));
	}

}
