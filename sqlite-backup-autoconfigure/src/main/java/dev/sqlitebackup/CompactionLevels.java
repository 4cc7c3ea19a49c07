package dev.sqlitebackup;

import java.time.Duration;
import java.util.List;

/**
 * The levels continuous backup merges its segments into, and how long each level's objects stay
 * once the next level covers them. Level 0 is the segments a pass publishes; a block of level
 * {@code L} holds, for the aligned run of {@link Level#segments} sequences it covers, the newest
 * copy of every page those sequences wrote. Block sizes are counted in segments rather than in
 * time, so that the bound on what a restore reads holds whatever the sync interval: with the
 * defaults, a restore reads a snapshot plus at most days + 23 + 11 + 9 + 29 objects.
 *
 * @param levels the levels above 0, smallest first; each block size a multiple of the one before
 * @param rawKeptFor how long a segment a pass published stays once a block of level 1 covers it:
 * every sync-interval point within this stays restorable
 */
public record CompactionLevels(List<Level> levels, Duration rawKeptFor) {

	/**
	 * 30, 300, 3,600 and 86,400 segments (30 s, 5 min, 1 h and 1 day at a 1 s sync interval under
	 * steady writes); segments stay an hour, level 1 a day, level 2 a week, the two top levels as
	 * long as retention keeps their chain.
	 */
	public static final CompactionLevels DEFAULT = new CompactionLevels(List.of(
			new Level(30, Duration.ofDays(1)), new Level(300, Duration.ofDays(7)),
			new Level(3_600, null), new Level(86_400, null)), Duration.ofHours(1));

	/** No compaction: every segment stays until retention deletes its chain's snapshot. */
	public static final CompactionLevels NONE = new CompactionLevels(List.of(), Duration.ZERO);

	public CompactionLevels {
		levels = List.copyOf(levels);
		for (int index = 1; index < levels.size(); index++) {
			if (levels.get(index).segments() % levels.get(index - 1).segments() != 0
					|| levels.get(index).segments() <= levels.get(index - 1).segments()) {
				throw new IllegalArgumentException("Each level's block size must be a larger multiple of the one before");
			}
		}
		if (!levels.isEmpty() && levels.get(0).segments() < 2) {
			throw new IllegalArgumentException("A block must cover at least two segments");
		}
	}

	/** Whether segments are compacted at all. */
	public boolean enabled() {
		return !this.levels.isEmpty();
	}

	/** The highest level, {@code 0} without compaction. */
	public int top() {
		return this.levels.size();
	}

	/** Number of segments a block of this level (1 to {@link #top}) covers. */
	public long size(int level) {
		return this.levels.get(level - 1).segments();
	}

	/** First sequence of the block of this level that holds {@code sequence}. */
	public long blockStart(int level, long sequence) {
		return sequence - Math.floorMod(sequence, size(level));
	}

	/** Last sequence of a block of this level that starts at {@code start}. */
	public long blockEnd(int level, long start) {
		return start + size(level) - 1;
	}

	/**
	 * How long objects of this level (0 for segments) stay once the next level covers them;
	 * {@code null} while their chain is kept. The top level is never thinned.
	 */
	public Duration keptFor(int level) {
		if (level == 0) {
			return this.rawKeptFor;
		}
		return (level < top()) ? this.levels.get(level - 1).keptFor() : null;
	}

	/**
	 * One level of compaction.
	 *
	 * @param segments how many sequences a block covers
	 * @param keptFor how long a block stays once the next level covers it, {@code null} for as long
	 * as its chain
	 */
	public record Level(long segments, @org.jspecify.annotations.Nullable Duration keptFor) {
	}

}
