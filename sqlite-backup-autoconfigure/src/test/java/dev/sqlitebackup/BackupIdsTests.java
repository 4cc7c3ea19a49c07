package dev.sqlitebackup;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Backup ids are URL-safe, sort by time, and nothing path-like passes as one. */
class BackupIdsTests {

	@Test
	void idsSortByCreationTime() {
		String earlier = BackupIds.next(Instant.parse("2026-11-24T10:00:00.001Z"));
		String later = BackupIds.next(Instant.parse("2026-11-24T10:00:00.002Z"));
		assertThat(later).isGreaterThan(earlier);
		assertThat(earlier).startsWith("20261124T100000001Z-");
	}

	@Test
	void newIdsAreWellFormedAndUrlSafe() {
		String id = BackupIds.next(Instant.now());
		assertThat(BackupIds.isWellFormed(id)).isTrue();
		assertThat(id).matches("[A-Za-z0-9-]+");
	}

	@Test
	void pathLikeAndMalformedStringsAreNotIds() {
		assertThat(BackupIds.isWellFormed("../20261124T100000001Z-abcdef")).isFalse();
		assertThat(BackupIds.isWellFormed("20261124T100000001Z-abcdef/..")).isFalse();
		assertThat(BackupIds.isWellFormed("/etc/passwd")).isFalse();
		assertThat(BackupIds.isWellFormed("20261124T100000001Z-ABCDEF")).isFalse();
		assertThat(BackupIds.isWellFormed("20261124T100000001Z-abcdef\0")).isFalse();
		assertThat(BackupIds.isWellFormed("")).isFalse();
		assertThat(BackupIds.isWellFormed(null)).isFalse();
		assertThat(BackupIds.isWellFormed("2".repeat(10_000))).isFalse();
	}

}
