package dev.sqlitebackup;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The head record of a continuous backup chain, which the capture rewrites after every segment it
 * publishes (and now and then while idle): what the chain is (parent, why it started, its
 * snapshots, the gaps inside it) and how far it reached. It is the store's index of continuous
 * backup, so that listings, health and startup read one small record per chain instead of every
 * segment; and, since segments name their predecessor by hash but nothing names the newest one,
 * it is what shows that a chain's newest segments were cut off. With a key configured it is
 * authenticated like a manifest.
 *
 * @param database name of the database
 * @param chainId id of the chain
 * @param parent the point of an earlier chain the chain's snapshot follows, {@code null} for none
 * @param startReason why the chain started, {@code null} when not known
 * @param snapshots the chain's snapshots, oldest first: its anchor and the later ones
 * @param gaps the stretches inside the chain in which no pass succeeded long enough to matter
 * @param newestSequence sequence of the newest segment published
 * @param newestCapturedAt when that segment was captured
 * @param newestPlainSha256 hex SHA-256 of that segment's frames, which the next one names
 * @param newestPageCount database size in pages after that segment
 * @param aliveUntil the last pass that found everything committed shipped into the chain
 * @param closedFile the database file's identity when the capture closed the chain cleanly (its last
 * pass shipped everything and checkpointed it into the file), {@code null} while the chain goes on;
 * a capture that starts on the same file continues the chain ({@code DatabaseFileIdentity})
 * @param levels what compaction ({@link CompactionLevels}) holds of the chain, by level; empty before its
 * first block
 * @param keyId key the MAC is computed with, {@code null} without one
 * @param mac hex HMAC-SHA256 of the other fields, {@code null} without a key
 */
public record ChainHead(String database, String chainId, @Nullable ChainPoint parent, @Nullable String startReason,
		List<Snapshot> snapshots, List<Gap> gaps, long newestSequence, Instant newestCapturedAt,
		String newestPlainSha256, long newestPageCount, Instant aliveUntil, @Nullable String closedFile,
		List<Level> levels, @Nullable String keyId, @Nullable String mac) {

	/** Format of a head record. */
	public static final String FORMAT = "1";

	private static final byte[] LABEL = "sqlite-backup chain head".getBytes(StandardCharsets.US_ASCII);

	public ChainHead {
		snapshots = List.copyOf(snapshots);
		gaps = List.copyOf(gaps);
		levels = List.copyOf(levels);
	}

	/** A head record of a chain that goes on. */
	public ChainHead(String database, String chainId, @Nullable ChainPoint parent, @Nullable String startReason,
			List<Snapshot> snapshots, List<Gap> gaps, long newestSequence, Instant newestCapturedAt,
			String newestPlainSha256, long newestPageCount, Instant aliveUntil, @Nullable String keyId,
			@Nullable String mac) {
		this(database, chainId, parent, startReason, snapshots, gaps, newestSequence, newestCapturedAt,
				newestPlainSha256, newestPageCount, aliveUntil, null, List.of(), keyId, mac);
	}

	/**
	 * The head record the segments of one chain describe, for a store whose chains have none yet.
	 * @param segments the chain's segments in sequence order
	 */
	public static ChainHead of(List<Segment> segments) {
		Segment first = segments.get(0);
		Segment newest = segments.get(segments.size() - 1);
		List<Snapshot> snapshots = new ArrayList<>();
		List<Gap> gaps = new ArrayList<>();
		for (Segment segment : segments) {
			if (segment.isCompacted()) {
				continue;
			}
			if (segment.isSnapshot()) {
				snapshots.add(new Snapshot(segment.sequence(), segment.capturedAt(), segment.baseBackupId()));
			}
			if (segment.gapBefore() != null) {
				gaps.add(segment.gapBefore());
			}
		}
		return new ChainHead(first.database(), first.chainId(), first.isAnchor() ? first.parent() : null,
				first.isAnchor() ? first.startReason() : null, snapshots, gaps, newest.sequence(), newest.capturedAt(),
				newest.plainSha256(), newest.pageCount(), newest.capturedAt(), null, null);
	}

	/** This head after one more segment was published, and the chain captured until {@code aliveUntil}. */
	public ChainHead after(Segment segment, Instant aliveUntil) {
		List<Snapshot> snapshots = new ArrayList<>(this.snapshots);
		List<Gap> gaps = new ArrayList<>(this.gaps);
		if (segment.isSnapshot() && segment.sequence() > this.newestSequence) {
			snapshots.add(new Snapshot(segment.sequence(), segment.capturedAt(), segment.baseBackupId()));
		}
		if (segment.gapBefore() != null) {
			gaps.add(segment.gapBefore());
		}
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, snapshots, gaps,
				segment.sequence(), segment.capturedAt(), segment.plainSha256(), segment.pageCount(), aliveUntil, null,
				this.levels, null, null);
	}

	/**
	 * This head with the chain captured until a later instant. A chain closed cleanly stays so
	 * until its next segment: its state is still the one the file was closed with.
	 */
	public ChainHead aliveUntil(Instant until) {
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, this.snapshots, this.gaps,
				this.newestSequence, this.newestCapturedAt, this.newestPlainSha256, this.newestPageCount, until,
				this.closedFile, this.levels, null, null);
	}

	/** The newest point the chain reached. */
	public ChainPoint newestPoint() {
		return new ChainPoint(this.chainId, this.newestSequence, this.newestCapturedAt);
	}

	/** Every field but the MAC, in the order the MAC covers them. */
	public Map<String, String> fields() {
		Map<String, String> fields = new LinkedHashMap<>();
		fields.put("format", FORMAT);
		fields.put("database", this.database);
		fields.put("chainId", this.chainId);
		if (this.parent != null) {
			fields.put("parentChainId", this.parent.chainId());
			fields.put("parentSequence", Long.toString(this.parent.sequence()));
			fields.put("parentCapturedAt", this.parent.capturedAt().toString());
		}
		if (this.startReason != null) {
			fields.put("startReason", this.startReason);
		}
		for (int i = 0; i < this.snapshots.size(); i++) {
			Snapshot snapshot = this.snapshots.get(i);
			fields.put("snapshot." + i + ".sequence", Long.toString(snapshot.sequence()));
			fields.put("snapshot." + i + ".capturedAt", snapshot.capturedAt().toString());
			fields.put("snapshot." + i + ".backupId", snapshot.backupId());
		}
		for (int i = 0; i < this.gaps.size(); i++) {
			Gap gap = this.gaps.get(i);
			fields.put("gap." + i + ".from", gap.from().toString());
			fields.put("gap." + i + ".to", gap.to().toString());
			fields.put("gap." + i + ".reason", gap.reason());
		}
		fields.put("newestSequence", Long.toString(this.newestSequence));
		fields.put("newestCapturedAt", this.newestCapturedAt.toString());
		fields.put("newestPlainSha256", this.newestPlainSha256);
		fields.put("newestPageCount", Long.toString(this.newestPageCount));
		fields.put("aliveUntil", this.aliveUntil.toString());
		if (this.closedFile != null) {
			fields.put("closedFile", this.closedFile);
		}
		for (Level level : this.levels) {
			fields.put("level." + level.level() + ".keptFrom", Long.toString(level.keptFrom()));
			fields.put("level." + level.level() + ".through", Long.toString(level.through()));
		}
		if (this.keyId != null) {
			fields.put("keyId", this.keyId);
		}
		return fields;
	}

	/** What the MAC is computed over: every field but the MAC, length-prefixed, after a label of its own. */
	public byte[] authenticated() {
		return ManifestContent.lengthPrefixed(LABEL, fields());
	}

	/**
	 * The head as a restore must read it when a newer lease holder's chain took over from its
	 * segment {@code at}: what the fenced writer published after that point is not part of it.
	 * @param at the newest segment that counts
	 */
	public ChainHead fencedAt(Segment at) {
		List<Snapshot> kept = this.snapshots.stream().filter((snapshot) -> snapshot.sequence() <= at.sequence()).toList();
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, kept, this.gaps,
				at.sequence(), at.capturedAt(), at.chainSha256(), at.pageCount(), at.capturedAt(), null,
				this.levels.stream().filter((level) -> level.through() <= at.sequence()).toList(), this.keyId, this.mac);
	}

	/** This head with its MAC. */
	public ChainHead withMac(@Nullable String keyId, @Nullable String mac) {
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, this.snapshots, this.gaps,
				this.newestSequence, this.newestCapturedAt, this.newestPlainSha256, this.newestPageCount,
				this.aliveUntil, this.closedFile, this.levels, keyId, mac);
	}

	/** This head of a chain closed cleanly, with the database file's identity at that moment. */
	public ChainHead closed(String fileIdentity) {
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, this.snapshots, this.gaps,
				this.newestSequence, this.newestCapturedAt, this.newestPlainSha256, this.newestPageCount,
				this.aliveUntil, fileIdentity, this.levels, null, null);
	}

	/** This head with what compaction holds of one level replaced. */
	public ChainHead withLevel(Level level) {
		List<Level> next = new ArrayList<>();
		this.levels.stream().filter((existing) -> existing.level() != level.level()).forEach(next::add);
		next.add(level);
		next.sort(java.util.Comparator.comparingInt(Level::level));
		return new ChainHead(this.database, this.chainId, this.parent, this.startReason, this.snapshots, this.gaps,
				this.newestSequence, this.newestCapturedAt, this.newestPlainSha256, this.newestPageCount,
				this.aliveUntil, this.closedFile, next, null, null);
	}

	/** What compaction holds of a level, {@code null} when nothing. */
	public @Nullable Level level(int level) {
		return this.levels.stream().filter((existing) -> existing.level() == level).findFirst().orElse(null);
	}

	/**
	 * Parses the fields a head record holds.
	 * @throws IllegalArgumentException when a field is missing or malformed
	 */
	public static ChainHead parse(Map<String, String> fields, @Nullable String mac) {
		if (!FORMAT.equals(fields.get("format"))) {
			throw new IllegalArgumentException("Unknown chain head format " + fields.get("format"));
		}
		String parentChainId = fields.get("parentChainId");
		ChainPoint parent = (parentChainId != null) ? new ChainPoint(parentChainId,
				Long.parseLong(required(fields, "parentSequence")), Instant.parse(required(fields, "parentCapturedAt")))
				: null;
		List<Snapshot> snapshots = new ArrayList<>();
		for (int i = 0; fields.containsKey("snapshot." + i + ".sequence"); i++) {
			snapshots.add(new Snapshot(Long.parseLong(required(fields, "snapshot." + i + ".sequence")),
					Instant.parse(required(fields, "snapshot." + i + ".capturedAt")),
					required(fields, "snapshot." + i + ".backupId")));
		}
		List<Gap> gaps = new ArrayList<>();
		for (int i = 0; fields.containsKey("gap." + i + ".from"); i++) {
			gaps.add(new Gap(Instant.parse(required(fields, "gap." + i + ".from")),
					Instant.parse(required(fields, "gap." + i + ".to")), required(fields, "gap." + i + ".reason")));
		}
		List<Level> levels = new ArrayList<>();
		for (int level = 0; level < 10; level++) {
			if (fields.containsKey("level." + level + ".keptFrom")) {
				levels.add(new Level(level, Long.parseLong(required(fields, "level." + level + ".keptFrom")),
						Long.parseLong(required(fields, "level." + level + ".through"))));
			}
		}
		return new ChainHead(required(fields, "database"), required(fields, "chainId"), parent,
				fields.get("startReason"), snapshots, gaps, Long.parseLong(required(fields, "newestSequence")),
				Instant.parse(required(fields, "newestCapturedAt")), required(fields, "newestPlainSha256"),
				Long.parseLong(required(fields, "newestPageCount")), Instant.parse(required(fields, "aliveUntil")),
				fields.get("closedFile"), levels, fields.get("keyId"), mac);
	}

	private static String required(Map<String, String> fields, String key) {
		String value = fields.get(key);
		if (value == null || value.isEmpty()) {
			throw new IllegalArgumentException("Chain head has no " + key);
		}
		return value;
	}

	/**
	 * A snapshot of the chain: a backup a restore can start from, and the segment that ties it to
	 * the chain.
	 *
	 * @param sequence sequence of the snapshot segment
	 * @param capturedAt the instant the backup reflects
	 * @param backupId id of the backup
	 */
	public record Snapshot(long sequence, Instant capturedAt, String backupId) {
	}

	/**
	 * What compaction holds of one level of a chain.
	 *
	 * @param level the level, {@code 0} for the segments passes published
	 * @param keptFrom the first sequence whose objects of this level are kept: below it they were
	 * thinned out (the next level covers them), except snapshot segments, which stay
	 * @param through for a level above 0, the last sequence its blocks cover: every block of the
	 * level from {@code keptFrom} to there was published and read back; {@code -1} for level 0
	 */
	public record Level(int level, long keptFrom, long through) {
	}

}
