package dev.sqlitebackup.pointintime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.SqliteDatabase;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.engine.Messages;
import dev.sqlitebackup.engine.ReadAhead;

import static dev.sqlitebackup.pointintime.PointInTimePlanner.refusedPlan;

/**
 * Replays the segments of a restore plan onto a copy of its snapshot: checks each segment in full
 * and keeps only the newest copy of each page, then merges those pages into the copy.
 */
public final class SegmentReplay {

	private final EngineContext context;

	private final BackupStore store;

	public SegmentReplay(EngineContext context) {
		this.context = context;
		this.store = context.store();
	}

	/**
	 * Checks every segment of the plan in full (its stored bytes and frames against its manifest,
	 * its frames against the WAL's checksum chain) and writes the newest copy of each page they
	 * hold into a sparse file at the page's own offset, newest segment first (see
	 * {@link WalFrames#writeNewest}). Each segment is read once, through one open file, so that
	 * what is written is what was checked.
	 * @return the pages written
	 */
	BitSet collectNewestPages(SqliteDatabase db, PointInTimePlanner.Plan plan, Path newestPages) throws IOException {
		List<Segment> segments = plan.segments();
		// The snapshot segment the plan starts from carries no frames.
		return collectNewestPages(db.name(), segments.subList(1, segments.size()), plan.last().pageCount(),
				newestPages);
	}

	/**
	 * Checks the segments in full and writes the newest copy of each page they hold, up to
	 * {@code pageLimit}, into a new sparse file at the page's own offset.
	 * @param segments segments (or blocks) that follow each other, oldest first
	 * @return the pages written
	 */
	public BitSet collectNewestPages(String database, List<Segment> segments, long pageLimit, Path newestPages)
			throws IOException {
		BitSet written = new BitSet();
		int count = segments.size();
		int concurrency = this.store.billsRequests(database) ? ReadAhead.REMOTE_CONCURRENCY : 1;
		// Newest first; snapshot segments carry no frames (their manifests were checked in the plan).
		try (FileChannel pages = FileChannel.open(newestPages, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
				ReadAhead<StoredBackupFile> downloads = new ReadAhead<>("sqlite-backup-download", concurrency, 1,
						count, (step) -> open(segments.get((int) (count - step))), SegmentReplay::closeQuietly)) {
			for (int index = count - 1; index >= 0; index--) {
				try (StoredBackupFile stored = downloads.next()) {
					if (stored != null) {
						apply(database, segments.get(index), stored, pages, written, pageLimit);
					}
				}
			}
		}
		return written;
	}

	/** A segment's stored bytes as a local file, {@code null} for one without frames. */
	private @Nullable StoredBackupFile open(Segment segment) throws IOException {
		return (segment.frameCount() > 0) ? this.store.openSegment(segment) : null;
	}

	private static void closeQuietly(StoredBackupFile file) {
		try {
			file.close();
		}
		catch (IOException ex) {
			// A download nobody used; the store's clean-up removes what is left.
		}
	}

	/**
	 * Writes the collected pages into the copy of the snapshot and cuts it to the page count of the
	 * last transaction: for each page the newest frame, else the snapshot's page, as a SQLite
	 * reader of the chain's last transaction sees it.
	 */
	static void mergeNewestPages(Path newestPages, BitSet pages, Segment last, Path target) throws IOException {
		int pageSize = last.pageSize();
		ByteBuffer page = ByteBuffer.allocate(pageSize);
		try (FileChannel source = FileChannel.open(newestPages, StandardOpenOption.READ);
				FileChannel database = FileChannel.open(target, StandardOpenOption.WRITE)) {
			for (int number = pages.nextSetBit(1); number >= 0; number = pages.nextSetBit(number + 1)) {
				long offset = (long) (number - 1) * pageSize;
				page.clear();
				while (page.hasRemaining() && source.read(page, offset + page.position()) >= 0) {
					// read the whole page
				}
				page.flip();
				while (page.hasRemaining()) {
					database.write(page, offset + page.position());
				}
			}
			database.truncate(last.pageCount() * pageSize);
		}
	}

	private void apply(String database, Segment segment, StoredBackupFile stored, FileChannel target, BitSet written,
			long pageLimit) throws IOException {
		long length = stored.length();
		if (length != segment.sizeBytes()) {
			throw refusedPlan(database, "segment " + segment.id() + " no longer matches the size and SHA-256 in "
					+ "its manifest");
		}
		boolean plain = Backup.NO_COMPRESSION.equals(segment.compression()) && segment.encryptionKeyId() == null;
		if (plain) {
			checkAndWrite(database, segment, stored.path(), length, target, written, pageLimit, true);
			return;
		}
		if (!BackupFileCheck.sha256(stored.path(), length).equals(segment.sha256())) {
			throw refusedPlan(database, "segment " + segment.id() + " no longer matches the size and SHA-256 in "
					+ "its manifest");
		}
		try (StagingFile decoded = decode(database, segment, stored.path(), length)) {
			checkAndWrite(database, segment, decoded.path(), Files.size(decoded.path()), target, written, pageLimit, false);
		}
	}

	/**
	 * Checks a segment's frames (one read for the SHA-256 and the WAL checksums) and writes the
	 * pages no newer segment wrote. For a segment stored plain, the frames are its stored bytes.
	 * @param length bytes of {@code frames} from its start that are the frames
	 */
	private void checkAndWrite(String database, Segment segment, Path frames, long length, FileChannel target,
			BitSet written, long pageLimit, boolean stored) throws IOException {
		try (FileChannel channel = FileChannel.open(frames, StandardOpenOption.READ)) {
			MessageDigest digest = BackupFileCheck.newSha256();
			int[] pages;
			try {
				pages = WalFrames.check(channel, length, segment, digest);
			}
			catch (IllegalStateException ex) {
				// Bytes changed in the store are reported as such, not by the first frame they break.
				if (!BackupFileCheck.sha256(frames, length).equals(stored ? segment.sha256() : segment.plainSha256())) {
					throw refusedPlan(database, stored
							? "segment " + segment.id() + " no longer matches the size and SHA-256 in its manifest"
							: "the frames of segment " + segment.id() + " do not match its manifest");
				}
				throw refusedPlan(database, "segment " + segment.id() + " is not what its manifest says: "
						+ ex.getMessage());
			}
			String sha256 = HexFormat.of().formatHex(digest.digest());
			if (stored && !sha256.equals(segment.sha256())) {
				throw refusedPlan(database, "segment " + segment.id() + " no longer matches the size and SHA-256 in "
						+ "its manifest");
			}
			if (!sha256.equals(segment.plainSha256())) {
				throw refusedPlan(database, "the frames of segment " + segment.id() + " do not match its manifest");
			}
			WalFrames.writeNewest(channel, pages, segment.pageSize(), written, pageLimit, target);
		}
	}

	private StagingFile decode(String database, Segment segment, Path stored, long length) throws IOException {
		StagingFile decoded = this.store.newStagingFile(database, segment.id() + "-decoded");
		try {
			this.context.options().storedForm().decode(segment.encoding(), stored, length, decoded.path());
			return decoded;
		}
		catch (IOException | RuntimeException ex) {
			decoded.close();
			throw refusedPlan(database, "segment " + segment.id() + " cannot be decoded: " + Messages.describe(ex));
		}
	}

}
