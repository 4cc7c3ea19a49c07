package dev.sqlitebackup.store;

import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * Thrown when a path in a store's own directory is a link, or another kind of file than the store
 * puts there: the store refuses to read, write or delete through it.
 */
public class UnsafeStorePathException extends FileSystemException {

	private static final long serialVersionUID = 1L;

	public UnsafeStorePathException(Path path, String reason) {
		super(path.toString(), null, reason);
	}

}
