package dev.sqlitebackup.codec;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

/** Thrown when an encrypted backup cannot be decrypted: unknown key, wrong key, or damaged bytes. */
public class BackupDecryptionException extends IOException {

	public BackupDecryptionException(String message) {
		super(message);
	}

	public BackupDecryptionException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
