package dev.sqlitebackup;

import java.io.IOException;

/**
 * A store's failure that says in its own words what happened and what was kept (a backup published
 * locally but not copied off-site, say): the engine reports its message as it is.
 */
public class BackupStoreException extends IOException {

	private static final long serialVersionUID = 1L;

	public BackupStoreException(String message, Throwable cause) {
		super(message, cause);
	}

}
