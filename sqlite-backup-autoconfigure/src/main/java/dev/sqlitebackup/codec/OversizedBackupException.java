package dev.sqlitebackup.codec;

import java.io.IOException;

/**
 * Thrown when a stored backup decodes to more bytes than its manifest implies (page size times
 * page count): a damaged or hostile file, stopped before it fills the disk.
 */
public class OversizedBackupException extends IOException {

	public OversizedBackupException(String message) {
		super(message);
	}

}
