package dev.sqlitebackup.pointintime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.BackupFileCheck;

/**
 * Reads SQLite's write-ahead log as SQLite's own recovery does (sqlite.org/fileformat2.html): a
 * frame counts only when its salts match the header and the checksum chain holds up to it, and a
 * transaction only up to its commit frame. Also checks frames kept in a segment the same way and
 * writes their pages into a database file. Only the {@code -wal} file is ever opened here, and
 * only for reading: opening the database file or {@code -shm} from Java would drop the POSIX locks
 * SQLite holds on them in this process.
 */
public final class WalFrames {

	public static final int HEADER_SIZE = 32;

	public static final int FRAME_HEADER_SIZE = 24;

	private static final int MAGIC = 0x377f0682;

	private static final int VERSION = 3007000;

	/** How much of a segment one read takes in. */
	private static final int READ_BYTES = 1 << 20;

	private WalFrames() {
	}

	/**
	 * The valid header of a WAL file.
	 *
	 * @param pageSize database page size
	 * @param sequence checkpoint sequence, which grows by one each time the WAL restarts
	 * @param salt1 first salt of this generation of the WAL
	 * @param salt2 second salt
	 * @param checksum checksum of the header, which the first frame's continues
	 * @param bigEndian whether checksums are computed on big-endian words
	 */
	public record Header(int pageSize, long sequence, int salt1, int salt2, long checksum, boolean bigEndian) {
	}

	/**
	 * Where the committed frames read from a WAL end.
	 *
	 * @param frameCount number of frames, up to the last commit frame
	 * @param endOffset offset just after the last commit frame
	 * @param checksumOut checksum of the last commit frame
	 * @param pageCount database size in pages after the last transaction
	 * @param sha256 hex SHA-256 of the frames copied, headers included; {@code null} when only scanned
	 */
	public record Committed(int frameCount, long endOffset, long checksumOut, long pageCount, @Nullable String sha256) {
	}

	public static Path walOf(Path database) {
		return database.resolveSibling(database.getFileName() + "-wal");
	}

	/** The header of the WAL, or {@code null} when the file is missing, too short or not a valid WAL. */
	public static @Nullable Header readHeader(FileChannel wal) throws IOException {
		ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE);
		if (readFully(wal, header, 0) < HEADER_SIZE) {
			return null;
		}
		int magic = header.getInt(0);
		if ((magic & 0xFFFFFFFE) != MAGIC || header.getInt(4) != VERSION) {
			return null;
		}
		boolean bigEndian = (magic & 1) == 1;
		long checksum = checksum(0, header.array(), 0, 24, bigEndian);
		if (checksum != header.getLong(24)) {
			return null;
		}
		return new Header(header.getInt(8), Integer.toUnsignedLong(header.getInt(12)), header.getInt(16),
				header.getInt(20), checksum, bigEndian);
	}

	/**
	 * Copies the committed frames that follow {@code fromOffset}, whose predecessor has checksum
	 * {@code checksumIn}, into {@code out}, through a buffer of about {@link #READ_BYTES} whatever
	 * the size of a transaction. Reads no further than {@code limitOffset} (where SQLite's committed
	 * frames end), stops at the first frame that is not valid, keeps only whole transactions, and
	 * stops after a commit once more than {@code maxBytes} were read (the rest is read next time).
	 * {@code out} holds exactly the committed frames afterwards.
	 */
	public static Committed copyCommitted(FileChannel wal, Header header, long fromOffset, long checksumIn, long limitOffset,
			long maxBytes, FileChannel out) throws IOException {
		return walk(wal, header, fromOffset, checksumIn, limitOffset, maxBytes, out);
	}

	/** Where the committed frames after {@code fromOffset} end, up to {@code limitOffset}, without copying them. */
	public static Committed scanCommitted(FileChannel wal, Header header, long fromOffset, long checksumIn, long limitOffset)
			throws IOException {
		return walk(wal, header, fromOffset, checksumIn, limitOffset, Long.MAX_VALUE, null);
	}

	private static Committed walk(FileChannel wal, Header header, long fromOffset, long checksumIn, long limitOffset,
			long maxBytes, @Nullable FileChannel out) throws IOException {
		int frameSize = FRAME_HEADER_SIZE + header.pageSize();
		ByteBuffer buffer = ByteBuffer.allocate(Math.max(1, READ_BYTES / frameSize) * frameSize);
		byte[] bytes = buffer.array();
		MessageDigest digest = (out != null) ? BackupFileCheck.newSha256() : null;
		MessageDigest committedDigest = (out != null) ? cloneOf(digest) : null;
		long offset = fromOffset;
		long checksum = checksumIn;
		int count = 0;
		int committedCount = 0;
		long committedEnd = fromOffset;
		long committedChecksum = checksumIn;
		long pageCount = 0;
		boolean more = true;
		while (more && offset + frameSize <= limitOffset) {
			int wanted = (int) Math.min(buffer.capacity(), (limitOffset - offset) / frameSize * frameSize);
			int read = readFully(wal, buffer.clear().limit(wanted), offset);
			int valid = 0;
			for (int at = 0; at + frameSize <= read; at += frameSize) {
				if (buffer.getInt(at + 8) != header.salt1() || buffer.getInt(at + 12) != header.salt2()) {
					more = false;
					break;
				}
				long next = checksum(checksum(checksum, bytes, at, 8, header.bigEndian()), bytes, at + FRAME_HEADER_SIZE,
						header.pageSize(), header.bigEndian());
				if (next != buffer.getLong(at + 16)) {
					more = false;
					break;
				}
				checksum = next;
				if (digest != null) {
					digest.update(bytes, at, frameSize);
				}
				count++;
				valid += frameSize;
				long commitSize = Integer.toUnsignedLong(buffer.getInt(at + 4));
				if (commitSize != 0) {
					committedCount = count;
					committedEnd = offset + valid;
					committedChecksum = checksum;
					pageCount = commitSize;
					if (digest != null) {
						committedDigest = cloneOf(digest);
					}
					if (committedEnd - fromOffset > maxBytes) {
						more = false;
						break;
					}
				}
			}
			if (out != null) {
				// Written as read, so that memory stays bounded; frames after the last commit are cut off below.
				ByteBuffer chunk = ByteBuffer.wrap(bytes, 0, valid);
				while (chunk.hasRemaining()) {
					out.write(chunk, offset - fromOffset + chunk.position());
				}
			}
			offset += valid;
			if (read < wanted) {
				more = false;
			}
		}
		if (out != null) {
			out.truncate(committedEnd - fromOffset);
		}
		String sha256 = (committedDigest != null) ? HexFormat.of().formatHex(committedDigest.digest()) : null;
		return new Committed(committedCount, committedEnd, committedChecksum, pageCount, sha256);
	}

	private static MessageDigest cloneOf(MessageDigest digest) {
		try {
			return (MessageDigest) digest.clone();
		}
		catch (CloneNotSupportedException ex) {
			throw new IllegalStateException("SHA-256 of this JDK cannot be cloned", ex);
		}
	}

	/**
	 * Checks the frames of a segment against its manifest (salts, the checksum chain from its
	 * {@code checksumIn} to its {@code checksumOut}, a commit frame at the end with the page count it
	 * records), in one sequential read that also feeds {@code digest} with every byte.
	 * @return the page each frame writes, in WAL order
	 * @throws IllegalStateException naming what does not hold
	 */
	static int[] check(FileChannel frames, long length, Segment segment, MessageDigest digest) throws IOException {
		int pageSize = segment.pageSize();
		int frameSize = FRAME_HEADER_SIZE + pageSize;
		int[] pages = new int[segment.frameCount()];
		ByteBuffer buffer = ByteBuffer.allocate(Math.max(1, READ_BYTES / frameSize) * frameSize);
		byte[] bytes = buffer.array();
		long checksum = segment.checksumIn();
		long lastCommitSize = 0;
		int count = 0;
		long position = 0;
		while (true) {
			buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
			int read = readFully(frames, buffer, position);
			if (read == 0) {
				break;
			}
			position += read;
			digest.update(bytes, 0, read);
			if (read % frameSize != 0) {
				throw new IllegalStateException("it ends in the middle of a frame");
			}
			for (int at = 0; at < read; at += frameSize) {
				if (count == pages.length) {
					throw new IllegalStateException("it has more frames than the " + pages.length + " its manifest says");
				}
				if (buffer.getInt(at + 8) != segment.salt1() || buffer.getInt(at + 12) != segment.salt2()) {
					throw new IllegalStateException("frame " + count + " belongs to another WAL generation");
				}
				checksum = checksum(checksum(checksum, bytes, at, 8, segment.bigEndianChecksum()), bytes,
						at + FRAME_HEADER_SIZE, pageSize, segment.bigEndianChecksum());
				if (checksum != buffer.getLong(at + 16)) {
					throw new IllegalStateException("frame " + count + " breaks the WAL checksum chain");
				}
				int pageNumber = buffer.getInt(at);
				if (pageNumber <= 0) {
					throw new IllegalStateException("frame " + count + " names page " + Integer.toUnsignedString(pageNumber)
							+ ", which no database restored here has");
				}
				pages[count++] = pageNumber;
				lastCommitSize = Integer.toUnsignedLong(buffer.getInt(at + 4));
			}
		}
		if (count != segment.frameCount() || checksum != segment.checksumOut()) {
			throw new IllegalStateException("its frames do not end where its manifest says (" + count + " of "
					+ segment.frameCount() + " frames)");
		}
		if (lastCommitSize != segment.pageCount()) {
			throw new IllegalStateException("its last frame does not commit " + segment.pageCount() + " pages");
		}
		return pages;
	}

	/**
	 * Writes into a database file the pages of checked frames that no newer frame wrote already,
	 * the newest copy of each page only, and marks them written. Called newest segment first, this
	 * builds what a SQLite reader of the chain's last transaction sees: for each page its newest
	 * frame, else the snapshot's page; pages past {@code pageLimit} are cut off at the end.
	 * @param pages the page of each frame, as {@link #check} returned them
	 * @param pageLimit database size in pages after the last transaction applied
	 */
	static void writeNewest(FileChannel frames, int[] pages, int pageSize, BitSet written, long pageLimit,
			FileChannel database) throws IOException {
		int frameSize = FRAME_HEADER_SIZE + pageSize;
		List<long[]> writes = new ArrayList<>();
		for (int frame = pages.length - 1; frame >= 0; frame--) {
			int page = pages[frame];
			if (page <= pageLimit && !written.get(page)) {
				written.set(page);
				writes.add(new long[] { page, frame });
			}
		}
		// In page order, so that the file is written front to back.
		writes.sort(Comparator.comparingLong((long[] write) -> write[0]));
		ByteBuffer page = ByteBuffer.allocate(pageSize);
		for (long[] write : writes) {
			if (readFully(frames, page.clear(), write[1] * frameSize + FRAME_HEADER_SIZE) != pageSize) {
				throw new IllegalStateException("frame " + write[1] + " cannot be read back");
			}
			page.flip();
			while (page.hasRemaining()) {
				database.write(page, (write[0] - 1) * pageSize + page.position());
			}
		}
	}

	/**
	 * Frames written by {@link #writePages}.
	 *
	 * @param count number of frames
	 * @param checksumOut checksum of the last frame, the chain starting from 0
	 * @param sha256 hex SHA-256 of the frames
	 */
	public record Written(int count, long checksumOut, String sha256) {
	}

	/**
	 * Writes each page collected in a sparse file (at its own offset) as a frame, in page order,
	 * with the salts and byte order of {@code last}, a checksum chain from 0, and the last frame
	 * committing {@code last}'s page count: the frames of a block of compacted segments.
	 */
	public static Written writePages(Path pages, BitSet written, Segment last, Path target) throws IOException {
		int pageSize = last.pageSize();
		int frameSize = FRAME_HEADER_SIZE + pageSize;
		MessageDigest digest = BackupFileCheck.newSha256();
		ByteBuffer frame = ByteBuffer.allocate(frameSize).order(ByteOrder.BIG_ENDIAN);
		byte[] bytes = frame.array();
		long checksum = 0;
		int count = 0;
		int total = written.cardinality();
		try (FileChannel source = FileChannel.open(pages, StandardOpenOption.READ);
				FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
						StandardOpenOption.TRUNCATE_EXISTING)) {
			for (int page = written.nextSetBit(1); page >= 0; page = written.nextSetBit(page + 1)) {
				frame.clear();
				frame.putInt(0, page);
				frame.putInt(4, (count == total - 1) ? (int) last.pageCount() : 0);
				frame.putInt(8, last.salt1());
				frame.putInt(12, last.salt2());
				ByteBuffer body = ByteBuffer.wrap(bytes, FRAME_HEADER_SIZE, pageSize);
				long offset = (long) (page - 1) * pageSize;
				while (body.hasRemaining()) {
					if (source.read(body, offset + body.position() - FRAME_HEADER_SIZE) < 0) {
						throw new IllegalStateException("page " + page + " was not collected whole");
					}
				}
				checksum = checksum(checksum(checksum, bytes, 0, 8, last.bigEndianChecksum()),
						bytes, FRAME_HEADER_SIZE, pageSize, last.bigEndianChecksum());
				frame.putLong(16, checksum);
				digest.update(bytes, 0, frameSize);
				ByteBuffer whole = ByteBuffer.wrap(bytes, 0, frameSize);
				while (whole.hasRemaining()) {
					out.write(whole, (long) count * frameSize + whole.position());
				}
				count++;
			}
			out.force(true);
		}
		return new Written(count, checksum, HexFormat.of().formatHex(digest.digest()));
	}

	/**
	 * SQLite's WAL checksum: over 32-bit words taken in pairs, in the byte order the WAL's magic
	 * number says, continuing from a previous checksum (both halves in one long).
	 */
	public static long checksum(long previous, byte[] data, int offset, int length, boolean bigEndian) {
		int s1 = (int) (previous >>> 32);
		int s2 = (int) previous;
		ByteBuffer words = ByteBuffer.wrap(data, offset, length)
			.order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
		for (int i = offset; i < offset + length; i += 8) {
			s1 += words.getInt(i) + s2;
			s2 += words.getInt(i + 4) + s1;
		}
		return ((long) s1 << 32) | (s2 & 0xFFFFFFFFL);
	}

	private static int readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
		int total = 0;
		while (buffer.hasRemaining()) {
			int read = channel.read(buffer, position + total);
			if (read < 0) {
				break;
			}
			total += read;
		}
		return total;
	}

}
