package dev.sqlitebackup;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Which backups a retention policy deletes, on made-up backup histories. */
class RetentionPolicyTests {

	private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

	@Test
	void keepLastKeepsTheNewest() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-24T10:00:00Z", "2026-11-24T09:00:00Z");
		assertThat(ids(policy(2, null, null, null, null).toDelete(backups, NOW))).containsExactly("2026-11-24T09:00:00Z");
	}

	@Test
	void keepDailyKeepsEachDaysNewestForTheLatestDaysWithBackups() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-24T01:00:00Z", "2026-11-22T23:00:00Z",
				"2026-11-22T08:00:00Z", "2026-11-20T10:00:00Z");
		assertThat(ids(policy(null, 2, null, null, null).toDelete(backups, NOW))).containsExactly(
				"2026-11-24T01:00:00Z", "2026-11-22T08:00:00Z", "2026-11-20T10:00:00Z");
	}

	@Test
	void keepWeeklyCountsWeeksFromMondayToSunday() {
		// 2026-11-23 is a Monday; the 22nd is the Sunday before it.
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-23T00:30:00Z", "2026-11-22T23:00:00Z",
				"2026-11-16T10:00:00Z", "2026-11-10T10:00:00Z");
		assertThat(ids(policy(null, null, 2, null, null).toDelete(backups, NOW))).containsExactly(
				"2026-11-23T00:30:00Z", "2026-11-16T10:00:00Z", "2026-11-10T10:00:00Z");
	}

	@Test
	void keepMonthlyKeepsEachMonthsNewest() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-01T00:00:00Z", "2026-10-31T23:00:00Z",
				"2026-10-02T10:00:00Z", "2026-08-15T10:00:00Z");
		assertThat(ids(policy(null, null, null, 3, null).toDelete(backups, NOW))).containsExactly(
				"2026-11-01T00:00:00Z", "2026-10-02T10:00:00Z");
	}

	@Test
	void aBackupIsKeptWhenAnyRuleKeepsIt() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-24T10:00:00Z", "2026-11-23T10:00:00Z",
				"2026-11-23T09:00:00Z", "2026-10-10T10:00:00Z", "2026-10-09T10:00:00Z");
		assertThat(ids(policy(1, 2, null, 2, null).toDelete(backups, NOW))).containsExactly("2026-11-24T10:00:00Z",
				"2026-11-23T09:00:00Z", "2026-10-09T10:00:00Z");
	}

	@Test
	void daysAreCountedInThePolicysTimeZone() {
		// 23:30 UTC on the 23rd is already the 24th in Berlin, the same day as the newest backup.
		List<Backup> backups = backups("2026-11-24T08:00:00Z", "2026-11-23T23:30:00Z", "2026-11-23T20:00:00Z");
		RetentionPolicy utc = policy(null, 2, null, null, null);
		RetentionPolicy berlin = new RetentionPolicy(null, 2, null, null, null, ZoneId.of("Europe/Berlin"));
		assertThat(ids(utc.toDelete(backups, NOW))).containsExactly("2026-11-23T20:00:00Z");
		assertThat(ids(berlin.toDelete(backups, NOW))).containsExactly("2026-11-23T23:30:00Z");
	}

	@Test
	void maxAgeDeletesWhatTheCountRulesWouldKeep() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2026-11-20T11:00:00Z");
		assertThat(ids(policy(5, 5, null, null, Duration.ofDays(2)).toDelete(backups, NOW)))
			.containsExactly("2026-11-20T11:00:00Z");
	}

	@Test
	void withoutAnyRuleNothingIsDeleted() {
		List<Backup> backups = backups("2026-11-24T11:00:00Z", "2020-01-01T00:00:00Z");
		assertThat(RetentionPolicy.KEEP_ALL.toDelete(backups, NOW)).isEmpty();
	}

	@Test
	void futureDatedBackupsAreKeptAndTakeNoPlaceInTheCounts() {
		List<Backup> backups = backups("2026-12-20T10:00:00Z", "2026-12-19T10:00:00Z", "2026-11-24T11:00:00Z",
				"2026-11-23T11:00:00Z", "2026-11-22T11:00:00Z");
		assertThat(ids(policy(1, 2, null, null, null).toDelete(backups, NOW))).containsExactly("2026-11-22T11:00:00Z");
	}

	@Test
	void aBackupDatedWithinTheToleranceCountsLikeAnyOther() {
		Instant slightlyLater = NOW.plus(FutureDatedBackups.TOLERANCE).minusSeconds(1);
		List<Backup> backups = backups(slightlyLater.toString(), "2026-11-24T11:00:00Z");
		assertThat(ids(policy(1, null, null, null, null).toDelete(backups, NOW)))
			.containsExactly("2026-11-24T11:00:00Z");
	}

	@Test
	void countsBelowOneAreRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> policy(null, 0, null, null, null))
			.withMessageContaining("keepDaily");
		assertThatIllegalArgumentException().isThrownBy(() -> policy(null, null, -1, null, null))
			.withMessageContaining("keepWeekly");
		assertThatIllegalArgumentException().isThrownBy(() -> policy(null, null, null, 0, null))
			.withMessageContaining("keepMonthly");
	}

	private static RetentionPolicy policy(Integer keepLast, Integer keepDaily, Integer keepWeekly, Integer keepMonthly,
			Duration maxAge) {
		return new RetentionPolicy(keepLast, keepDaily, keepWeekly, keepMonthly, maxAge, ZoneOffset.UTC);
	}

	/** Backups created at the given instants (their ids, for reading the assertions), newest first. */
	private static List<Backup> backups(String... createdAt) {
		return Stream.of(createdAt)
			.map((instant) -> new Backup(instant, "app", Instant.parse(instant), 4096, "0".repeat(64), 4096, 1, "wal",
					"3.54.1", Backup.NO_COMPRESSION, true, VerifyMode.QUICK, Duration.ZERO, BackupTrigger.SCHEDULED))
			.sorted(Comparator.comparing(Backup::createdAt).reversed())
			.toList();
	}

	private static List<String> ids(List<Backup> backups) {
		return backups.stream().map(Backup::id).toList();
	}

}
