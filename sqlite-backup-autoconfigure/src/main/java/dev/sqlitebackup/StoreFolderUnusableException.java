package dev.sqlitebackup;

import java.io.IOException;

/**
 * Thrown by {@link BackupStore#tryLock} when the store's folder for the database cannot be made or
 * used (a file or a link in its place, no permission): there is nothing in it to protect, and the
 * operation fails on the same problem in its own words.
 */
public class StoreFolderUnusableException extends IOException {

	private static final long serialVersionUID = 1L;

	public StoreFolderUnusableException(String message, IOException cause) {
		super(message, cause);
	}

}
