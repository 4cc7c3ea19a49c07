package dev.sqlitebackup;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.codec.StoredForm;

/**
 * Manifest of one segment of continuous backup: committed WAL frames, cut at a commit frame, that
 * follow the previous segment of the same chain. A snapshot segment carries no frames: it names a
 * backup and the WAL position that backup reflects. Segment 0 of a chain is one (the snapshot the
 * chain starts from); backups taken while the chain is extended add later ones, from which a
 * restore can start instead.
 *
 * @param chainId id of the chain, shaped like a backup id, so that chains sort by start
 * @param sequence position in the chain, from 0 without gaps
 * @param database name of the database the frames were captured from
 * @param baseBackupId id of the newest snapshot of the chain at or before this segment
 * @param capturedAt when the frames were read from the WAL: every transaction in them committed before
 * @param walSequence checkpoint sequence of the WAL generation the frames come from; {@code -1} for an
 * anchor taken while the WAL was empty
 * @param salt1 first salt of that WAL generation
 * @param salt2 second salt of that WAL generation
 * @param startOffset offset in the WAL of the first frame
 * @param endOffset offset in the WAL just after the last frame
 * @param checksumIn WAL checksum the first frame continues (both 32-bit halves)
 * @param checksumOut WAL checksum of the last frame
 * @param bigEndianChecksum whether the WAL computes its checksums on big-endian words
 * @param frameCount number of frames
 * @param pageSize page size of the database
 * @param pageCount database size in pages after the last transaction of the segment
 * @param plainSha256 hex SHA-256 of the frames as captured
 * @param previousSha256 hex SHA-256 of the previous segment's frames, or of the snapshot's stored
 * bytes for segment 0: what ties a segment to the one before it
 * @param snapshotSha256 for a later snapshot segment, hex SHA-256 of the stored bytes of the backup it
 * names; {@code null} for every other segment
 * @param sizeBytes size of the stored bytes
 * @param sha256 hex SHA-256 of the stored bytes
 * @param compression codec of the stored bytes
 * @param encryptionKeyId key the stored bytes are encrypted with, {@code null} when they are not
 * @param manifestMac hex HMAC-SHA256 of the manifest, {@code null} when not encrypted
 * @param parent for the anchor of a chain, the point of an earlier chain its snapshot follows;
 * {@code null} for every other segment, and for a chain that follows none
 * @param startReason for the anchor of a chain, why the chain started; {@code null} for every other segment
 * @param gapBefore when no pass succeeded for longer than the capture allows before this segment, the
 * stretch up to its {@code capturedAt} in which its commits carry no instant of their own; else {@code null}
 * @param level {@code 0} for a segment a pass published; for a block of compacted segments
 * ({@link CompactionLevels}), its level: then {@code sequence} is the last sequence it covers, its
 * frames hold the newest copy of each page those sequences wrote (in page order, with a checksum
 * chain of their own from {@code checksumIn} 0), and its WAL fields are those of the last segment
 * it covers, its {@code startOffset} and {@code previousSha256} those of the first
 * @param fromSequence first sequence the segment covers: its own sequence for a segment a pass published
 * @param lastPlainSha256 for a block, hex SHA-256 of the frames of the last segment it covers, which
 * the segment after it names; {@code null} for a segment a pass published
 * @param epoch the epoch of the store's lease it was published under ({@link Lease}); {@code 0} when
 * it was published without one
 */
public record Segment(String chainId, long sequence, String database, String baseBackupId, Instant capturedAt,
		long walSequence, int salt1, int salt2, long startOffset, long endOffset, long checksumIn, long checksumOut,
		boolean bigEndianChecksum, int frameCount, int pageSize, long pageCount, String plainSha256,
		String previousSha256, @Nullable String snapshotSha256, long sizeBytes, String sha256, String compression, @Nullable String encryptionKeyId,
		@Nullable String manifestMac, @Nullable ChainPoint parent, @Nullable String startReason,
		@Nullable Gap gapBefore, int level, long fromSequence, @Nullable String lastPlainSha256, long epoch) {

	/** Size in bytes of the header SQLite writes before each frame's page in the WAL. */
	private static final int FRAME_HEADER_SIZE = 24;

	/** A segment or block written without a lease on the store (epoch 0). */
	public Segment(String chainId, long sequence, String database, String baseBackupId, Instant capturedAt,
			long walSequence, int salt1, int salt2, long startOffset, long endOffset, long checksumIn, long checksumOut,
			boolean bigEndianChecksum, int frameCount, int pageSize, long pageCount, String plainSha256,
			String previousSha256, @Nullable String snapshotSha256, long sizeBytes, String sha256, String compression,
			@Nullable String encryptionKeyId, @Nullable String manifestMac, @Nullable ChainPoint parent,
			@Nullable String startReason, @Nullable Gap gapBefore, int level, long fromSequence,
			@Nullable String lastPlainSha256) {
		this(chainId, sequence, database, baseBackupId, capturedAt, walSequence, salt1, salt2, startOffset, endOffset,
				checksumIn, checksumOut, bigEndianChecksum, frameCount, pageSize, pageCount, plainSha256,
				previousSha256, snapshotSha256, sizeBytes, sha256, compression, encryptionKeyId, manifestMac, parent,
				startReason, gapBefore, level, fromSequence, lastPlainSha256, 0);
	}

	/** A segment a pass published: level 0, covering its own sequence. */
	public Segment(String chainId, long sequence, String database, String baseBackupId, Instant capturedAt,
			long walSequence, int salt1, int salt2, long startOffset, long endOffset, long checksumIn, long checksumOut,
			boolean bigEndianChecksum, int frameCount, int pageSize, long pageCount, String plainSha256,
			String previousSha256, @Nullable String snapshotSha256, long sizeBytes, String sha256, String compression,
			@Nullable String encryptionKeyId, @Nullable String manifestMac, @Nullable ChainPoint parent,
			@Nullable String startReason, @Nullable Gap gapBefore) {
		this(chainId, sequence, database, baseBackupId, capturedAt, walSequence, salt1, salt2, startOffset, endOffset,
				checksumIn, checksumOut, bigEndianChecksum, frameCount, pageSize, pageCount, plainSha256,
				previousSha256, snapshotSha256, sizeBytes, sha256, compression, encryptionKeyId, manifestMac, parent,
				startReason, gapBefore, 0, sequence, null);
	}

	/** Id of the segment: its chain's id and its sequence, which sorts within a chain. */
	public String id() {
		return isCompacted() ? blockIdOf(this.chainId, this.level, this.fromSequence) : idOf(this.chainId, this.sequence);
	}

	/** The id of the block of a level that starts at sequence {@code from}. */
	public static String blockIdOf(String chainId, int level, long from) {
		return idOf(chainId, from) + "-level-" + level;
	}

	/** Whether this is a block of compacted segments rather than a segment a pass published. */
	public boolean isCompacted() {
		return this.level > 0;
	}

	/** SHA-256 of the frames the segment after this one names as its predecessor's. */
	public String chainSha256() {
		return isCompacted() ? java.util.Objects.requireNonNull(this.lastPlainSha256) : this.plainSha256;
	}

	/** The id of segment {@code sequence} of a chain. */
	public static String idOf(String chainId, long sequence) {
		return chainId + "-segment-" + String.format("%010d", sequence);
	}

	/** The point this segment ends at: its chain, its sequence and when it was captured. */
	public ChainPoint point() {
		return new ChainPoint(this.chainId, this.sequence, this.capturedAt);
	}

	/** Whether this is the first segment of its chain, which names the snapshot and carries no frames. */
	public boolean isAnchor() {
		return this.sequence == 0 && !isCompacted();
	}

	/** Whether this segment names a backup a restore can start from: the anchor or a later snapshot. */
	public boolean isSnapshot() {
		return isAnchor() || (this.snapshotSha256 != null && !isCompacted());
	}

	/** SHA-256 of the stored bytes of the backup this snapshot segment names. */
	public String snapshotBytesSha256() {
		if (!isSnapshot()) {
			throw new IllegalStateException("Segment " + id() + " names no snapshot");
		}
		return isAnchor() ? this.previousSha256 : this.snapshotSha256;
	}

	/** Whether this is the anchor of a chain whose snapshot was taken while the WAL was empty. */
	public boolean isAnchorOfEmptyWal() {
		return isAnchor() && this.walSequence < 0;
	}

	/** Size in bytes of the frames once decoded. */
	public long plainSizeBytes() {
		return (long) this.frameCount * (FRAME_HEADER_SIZE + this.pageSize);
	}

	/** What decoding the stored bytes needs. */
	public StoredForm.Encoding encoding() {
		return new StoredForm.Encoding(this.compression, this.encryptionKeyId, this.database, id(), false,
				plainSizeBytes());
	}

	/** This segment with its manifest's MAC. */
	public Segment withManifestMac(@Nullable String mac) {
		return new Segment(this.chainId, this.sequence, this.database, this.baseBackupId, this.capturedAt,
				this.walSequence, this.salt1, this.salt2, this.startOffset, this.endOffset, this.checksumIn,
				this.checksumOut, this.bigEndianChecksum, this.frameCount, this.pageSize, this.pageCount,
				this.plainSha256, this.previousSha256, this.snapshotSha256, this.sizeBytes, this.sha256, this.compression,
				this.encryptionKeyId, mac, this.parent, this.startReason, this.gapBefore, this.level, this.fromSequence,
				this.lastPlainSha256, this.epoch);
	}

}
