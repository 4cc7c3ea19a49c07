package dev.sqlitebackup;

import java.util.List;

/**
 * Outcome of checking a stored backup against its manifest and SQLite's own checks.
 *
 * @param database name of the database the backup belongs to
 * @param backupId id of the checked backup
 * @param valid whether every check passed
 * @param problems what failed, empty when valid
 */
public record VerificationResult(String database, String backupId, boolean valid, List<String> problems) {

	public VerificationResult {
		problems = List.copyOf(problems);
	}

}
