package dev.sqlitebackup;

import java.nio.file.Path;

import dev.sqlitebackup.store.LocalDirectoryBackupStore;

/**
 * A second process that tries to take a database's lock in a backup directory once, and prints
 * {@code HELD} when another holder has it or {@code TAKEN} when it got it.
 * <p>
 * Arguments: {@code <backup directory> <database>}.
 */
public final class StoreLockProbe {

	private StoreLockProbe() {
	}

	public static void main(String[] args) throws Exception {
		boolean taken = new LocalDirectoryBackupStore(Path.of(args[0])).tryLock(args[1]).isPresent();
		System.out.println(taken ? "TAKEN" : "HELD");
		System.out.flush();
	}

}
