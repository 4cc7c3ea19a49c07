package dev.sqlitebackup;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Which backups pruning keeps. The count rules each keep some backups: the newest
 * {@code keepLast}, and the newest backup of each of the latest {@code keepDaily} days,
 * {@code keepWeekly} weeks (Monday to Sunday) and {@code keepMonthly} months that have one; a
 * backup that no rule keeps is deleted (with no count rule at all, none is). A backup older than
 * {@code maxAge} is deleted whatever keeps it. The newest verified backup and backups being read by
 * a restore are always kept.
 * <p>
 * A backup dated after the current time (see {@link FutureDatedBackups}) is kept and takes none of
 * the counts' places: after the clock was set back, the rules apply to the backups taken since as
 * if the future-dated ones were not there, and those are left for someone to look at.
 *
 * @param keepLast how many of the newest backups to keep, or {@code null} for no such rule
 * @param keepDaily for how many days with backups to keep each day's newest, or {@code null}
 * @param keepWeekly for how many weeks with backups to keep each week's newest, or {@code null}
 * @param keepMonthly for how many months with backups to keep each month's newest, or {@code null}
 * @param maxAge how old a backup may get before it is deleted, or {@code null} for no limit
 * @param zone time zone whose calendar days, weeks and months the rules count
 */
public record RetentionPolicy(@Nullable Integer keepLast, @Nullable Integer keepDaily, @Nullable Integer keepWeekly,
		@Nullable Integer keepMonthly, @Nullable Duration maxAge, ZoneId zone) {

	/** Policy that keeps everything. */
	public static final RetentionPolicy KEEP_ALL = new RetentionPolicy(null, null);

	public RetentionPolicy {
		requireAtLeastOne("keepLast", keepLast);
		requireAtLeastOne("keepDaily", keepDaily);
		requireAtLeastOne("keepWeekly", keepWeekly);
		requireAtLeastOne("keepMonthly", keepMonthly);
		if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
			throw new IllegalArgumentException("maxAge must be positive, was " + maxAge);
		}
		Objects.requireNonNull(zone, "zone");
	}

	/** A policy of only a count and an age limit. */
	public RetentionPolicy(@Nullable Integer keepLast, @Nullable Duration maxAge) {
		this(keepLast, null, null, null, maxAge, ZoneOffset.UTC);
	}

	private static void requireAtLeastOne(String name, @Nullable Integer count) {
		if (count != null && count < 1) {
			throw new IllegalArgumentException(name + " must be at least 1, was " + count);
		}
	}

	/**
	 * The backups this policy deletes, before the engine's own exceptions (the newest verified
	 * backup, backups in use).
	 * @param newestFirst every backup of one database, newest first
	 * @param now the current time, for the age limit and to recognise future-dated backups
	 */
	public List<Backup> toDelete(List<Backup> newestFirst, Instant now) {
		List<Backup> datedBefore = FutureDatedBackups.datedBefore(newestFirst, now);
		Set<String> kept = keptByCounts(datedBefore);
		List<Backup> deleted = new ArrayList<>();
		for (Backup backup : datedBefore) {
			if (isTooOld(backup, now) || (kept != null && !kept.contains(backup.id()))) {
				deleted.add(backup);
			}
		}
		return deleted;
	}

	/**
	 * The backups this policy deletes when only some backups count: the rules rank and keep counted
	 * backups alone, so that backups that do not count (ones that cannot be authenticated, say)
	 * never take a counted backup's place. A backup that does not count is deleted when it is
	 * older than {@code maxAge}, or, under a count rule, when it is listed after the oldest counted
	 * backup that is kept; with no counted backup kept, only the age limit deletes it.
	 * @param newestFirst every backup of one database, newest first
	 * @param counts which backups count
	 * @param now the current time, for the age limit
	 */
	public List<Backup> toDelete(List<Backup> newestFirst, Predicate<Backup> counts, Instant now) {
		List<Backup> counted = newestFirst.stream().filter(counts).toList();
		List<Backup> deleted = new ArrayList<>(toDelete(counted, now));
		int oldestKept = -1;
		for (int i = 0; i < newestFirst.size(); i++) {
			if (counts.test(newestFirst.get(i)) && !deleted.contains(newestFirst.get(i))) {
				oldestKept = i;
			}
		}
		for (int i = 0; i < newestFirst.size(); i++) {
			Backup backup = newestFirst.get(i);
			if (!counts.test(backup) && (isTooOld(backup, now) || (hasCountRule() && oldestKept >= 0 && i > oldestKept))) {
				deleted.add(backup);
			}
		}
		return deleted;
	}

	private boolean hasCountRule() {
		return this.keepLast != null || this.keepDaily != null || this.keepWeekly != null || this.keepMonthly != null;
	}

	private boolean isTooOld(Backup backup, Instant now) {
		return this.maxAge != null && Duration.between(backup.createdAt(), now).compareTo(this.maxAge) > 0;
	}

	/** Ids that some count rule keeps, or {@code null} when there is no count rule. */
	private @Nullable Set<String> keptByCounts(List<Backup> newestFirst) {
		if (!hasCountRule()) {
			return null;
		}
		Set<String> kept = new HashSet<>();
		if (this.keepLast != null) {
			newestFirst.stream().limit(this.keepLast).forEach((backup) -> kept.add(backup.id()));
		}
		keepNewestPerPeriod(newestFirst, this.keepDaily, (date) -> date, kept);
		keepNewestPerPeriod(newestFirst, this.keepWeekly,
				(date) -> date.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)), kept);
		keepNewestPerPeriod(newestFirst, this.keepMonthly, YearMonth::from, kept);
		return kept;
	}

	private void keepNewestPerPeriod(List<Backup> newestFirst, @Nullable Integer periods,
			Function<LocalDate, Object> periodOf, Set<String> kept) {
		if (periods == null) {
			return;
		}
		Object current = null;
		int seen = 0;
		for (Backup backup : newestFirst) {
			Object period = periodOf.apply(LocalDate.ofInstant(backup.createdAt(), this.zone));
			if (!period.equals(current)) {
				if (seen == periods) {
					return;
				}
				kept.add(backup.id());
				current = period;
				seen++;
			}
		}
	}

}
