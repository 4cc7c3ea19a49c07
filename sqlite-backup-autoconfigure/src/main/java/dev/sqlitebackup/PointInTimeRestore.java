package dev.sqlitebackup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.OperationLocks.RunningOperation;
import dev.sqlitebackup.StoredBackupCheck.CheckedBackup;

/**
 * One restore to a point in time, top to bottom: choose the chain that covers the instant, the
 * newest of its snapshots at or before it and the segments captured after that snapshot until the
 * instant, refuse a plan with a gap, build the target in staging (a copy of the snapshot, checked
 * against its manifest, then the newest copy of each page the segments wrote, each segment checked
 * against its manifest and the WAL checksums), check the result ({@code quick_check} and the page
 * count the capture recorded), and copy it into the live database the way {@link RestoreRun} does.
 */
final class PointInTimeRestore {

	private static final Logger logger = LoggerFactory.getLogger(PointInTimeRestore.class);

	private final EngineContext context;

	private final BackupStore store;

	private final StoredBackupCheck check;

	private final RestoreRun restores;

	PointInTimeRestore(EngineContext context, RestoreRun restores) {
		this.context = context;
		this.store = context.store();
		this.check = new StoredBackupCheck(context);
		this.restores = restores;
	}

	/**
	 * Restores the database to the newest state captured at or before {@code pointInTime}, or to
	 * the latest captured state when it is {@code null}.
	 */
	PointInTimeResult run(SqliteDatabase db, @Nullable Instant pointInTime, boolean safetyBackup,
			RunningOperation operation) {
		long started = System.nanoTime();
		Plan plan = plan(db.name(), pointInTime);
		operation.phases().end("plan");
		Backup base = startingSnapshot(db, plan);
		try {
			return build(db, plan, base, operation, (built) -> {
				RestoreResult restore = this.restores.copyCheckedIntoLive(db, base, built, plan.last().pageSize(),
						safetyBackup, operation, started);
				PointInTimeResult result = new PointInTimeResult(restore, plan.last().capturedAt(),
						plan.segments().size() - 1);
				logger.info("Restored database '{}' to {} (backup {} and {} segments of chain {}, {} pages) in {} ms ({}){}",
						db.name(), result.restoredTo(), base.id(), result.segments(), plan.start().chainId(),
						restore.pageCount(), restore.duration().toMillis(), operation.phases(),
						(restore.safetyBackupId() != null) ? "; the previous state is backup " + restore.safetyBackupId()
								: "");
				this.context.listeners().tell((listener) -> listener.restoreCompleted(restore));
				return result;
			});
		}
		catch (IOException | SQLException | RuntimeException ex) {
			SqliteBackupException failure = (ex instanceof SqliteBackupException known) ? known
					: new RestoreFailedException(db.name(), base.id(), "Restore of database '" + db.name()
							+ "' to a point in time failed: " + Messages.describe(ex), ex);
			logger.warn(failure.getMessage());
			Duration elapsed = Messages.elapsedSince(started);
			this.context.listeners().tell((listener) -> listener.restoreFailed(db.name(), base.id(), elapsed, failure));
			throw failure;
		}
	}

	/**
	 * Builds the newest state captured at or before {@code pointInTime} (the latest when it is
	 * {@code null}) into a new file, checked like the file a restore copies into the live database,
	 * which is left alone. The file appears whole or not at all.
	 * @throws RestoreFailedException when the file exists already, or cannot be written
	 */
	PointInTimeResult toFile(SqliteDatabase db, @Nullable Instant pointInTime, Path file, RunningOperation operation) {
		long started = System.nanoTime();
		Path target = file.toAbsolutePath().normalize();
		if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
			throw new RestoreFailedException(db.name(), null, "Database '" + db.name() + "' was not restored into "
					+ target + ": the file exists, and a restore into a file never replaces one", null);
		}
		Plan plan = plan(db.name(), pointInTime);
		operation.phases().end("plan");
		Backup base = startingSnapshot(db, plan);
		try {
			return build(db, plan, base, operation, (built) -> {
				moveInto(built, target);
				operation.phases().end("move into place");
				RestoreResult restore = new RestoreResult(db.name(), base.id(), null, this.context.clock().instant(),
						plan.last().pageCount(), Messages.elapsedSince(started));
				logger.info("Restored database '{}' as of {} into {} (backup {} and {} segments of chain {}) in {} ms ({})",
						db.name(), plan.last().capturedAt(), target, base.id(), plan.segments().size() - 1,
						plan.start().chainId(), restore.duration().toMillis(), operation.phases());
				return new PointInTimeResult(restore, plan.last().capturedAt(), plan.segments().size() - 1);
			});
		}
		catch (IOException | SQLException | RuntimeException ex) {
			SqliteBackupException failure = (ex instanceof SqliteBackupException known) ? known
					: new RestoreFailedException(db.name(), base.id(), "Restore of database '" + db.name()
							+ "' into " + target + " failed: " + Messages.describe(ex), ex);
			logger.warn(failure.getMessage());
			throw failure;
		}
	}

	/** The backup the plan starts from: still stored, trusted, and the bytes its snapshot segment names. */
	private Backup startingSnapshot(SqliteDatabase db, Plan plan) {
		Backup base = this.context.find(db.name(), plan.start().baseBackupId())
			.orElseThrow(() -> refused(db, "the snapshot its plan starts from, backup " + plan.start().baseBackupId()
					+ ", is no longer in the store"));
		String untrusted = this.context.authenticity().refusal(base);
		if (untrusted != null) {
			throw refused(db, "the snapshot its plan starts from, backup " + base.id() + ", is refused: " + untrusted);
		}
		if (!plan.start().snapshotBytesSha256().equals(base.sha256())) {
			throw refused(db, "snapshot " + plan.start().sequence() + " of chain " + plan.start().chainId()
					+ " does not name the bytes of backup " + base.id());
		}
		return base;
	}

	/**
	 * Builds the plan's state in staging and hands the checked file to {@code use}; the staging
	 * files are gone when it returns.
	 */
	private <T> T build(SqliteDatabase db, Plan plan, Backup base, RunningOperation operation, Use<T> use)
			throws IOException, SQLException {
		try (StagingFile newestPages = this.store.newStagingFile(db.name(), base.id() + "-point-in-time-pages")) {
			// The segments are checked, and their newest pages collected, on a core of their own while
			// the snapshot is copied and hashed: neither waits for the other.
			CompletableFuture<BitSet> collected = onThreadOfItsOwn("sqlite-backup-segments",
					() -> collectNewestPages(db, plan, newestPages.path()));
			try (StoredBackupFile stored = this.store.open(base);
					CheckedBackup target = this.check.writableCopy(db, base, stored, "-point-in-time")) {
				operation.phases().end("snapshot");
				BitSet pages = await(collected);
				operation.phases().end("segments");
				mergeNewestPages(newestPages.path(), pages, plan.last(), target.plainFile());
				operation.phases().end("segment pages");
				logger.debug("The segments of the restore of database '{}' wrote {} distinct pages", db.name(),
						pages.cardinality());
				// The copy into the live database is slower from a file whose pages are still being
				// written back (measured: about a quarter); they are written back while SQLite checks it.
				CompletableFuture<Void> writtenBack = writeBack(target.plainFile());
				checkBuilt(db, target.plainFile(), plan.last().pageCount());
				writtenBack.join();
				operation.phases().end("build check");
				return use.apply(target.plainFile());
			}
			finally {
				// Never leave it reading segments after the restore let go of the database.
				collected.handle((pages, failure) -> null).join();
			}
		}
	}

	/**
	 * Puts the built file in place under its final name in one step, so that it appears whole:
	 * moved next to it (copied when it is on another file system) and forced to disk, then linked
	 * under its name, which fails rather than replace a file that appeared meanwhile.
	 */
	private static void moveInto(Path built, Path target) throws IOException {
		Path directory = target.getParent();
		if (directory == null || !Files.isDirectory(directory)) {
			throw new IOException("its folder " + directory + " does not exist");
		}
		Path temporary = directory.resolve("." + target.getFileName() + ".restoring-" + Long.toHexString(System.nanoTime()));
		try {
			try {
				Files.move(built, temporary, StandardCopyOption.ATOMIC_MOVE);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.copy(built, temporary);
			}
			try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
				channel.force(true);
			}
			try {
				// No replacing: a file that appeared meanwhile is not overwritten.
				Files.createLink(target, temporary);
			}
			catch (UnsupportedOperationException ex) {
				Files.move(temporary, target);
			}
		}
		finally {
			Files.deleteIfExists(temporary);
		}
		try (FileChannel folder = FileChannel.open(directory, StandardOpenOption.READ)) {
			folder.force(true);
		}
		catch (IOException ex) {
			logger.debug("Could not force folder {} to disk: {}", directory, ex.getMessage());
		}
	}

	/** What is done with the built, checked file. */
	@FunctionalInterface
	private interface Use<T> {

		T apply(Path built) throws IOException, SQLException;

	}

	/**
	 * The chain that covers the instant (the newest one with a snapshot at or before it), the
	 * newest of its snapshots at or before the instant whose backup is still in the store, and the
	 * segments after that snapshot up to the last captured at or before the instant. Every segment
	 * from the snapshot to there must be present and each must follow its predecessor: a plan with
	 * a gap is refused.
	 */
	Plan plan(String database, @Nullable Instant pointInTime) {
		List<Segment> all = this.context.fromStore(database, () -> this.store.listSegments(database));
		Map<String, List<Segment>> chains = new LinkedHashMap<>();
		all.stream()
			.sorted(Comparator.comparing(Segment::chainId).thenComparingLong(Segment::sequence))
			.forEach((segment) -> chains.computeIfAbsent(segment.chainId(), (id) -> new ArrayList<>()).add(segment));
		Window window = window(all);
		if (window == null) {
			throw new PointInTimeNotCoveredException(database, "Database '" + database
					+ "' has no continuous backup to restore from" + (chains.isEmpty() ? "" : " (only segments of chains "
							+ "whose snapshots are gone)"));
		}
		List<Segment> chain = null;
		for (List<Segment> candidate : chains.values()) {
			if (candidate.stream().anyMatch((segment) -> segment.isSnapshot() && atOrBefore(segment, pointInTime))) {
				chain = candidate;
			}
		}
		// An instant after the newest capture but not in the future gets the newest captured state;
		// the result says which instant that is.
		if (chain == null || (pointInTime != null && pointInTime.isAfter(this.context.clock().instant()))) {
			throw new PointInTimeNotCoveredException(database, "No continuous backup of database '" + database
					+ "' covers " + pointInTime + "; the restore window is " + window.from() + " to " + window.to());
		}
		Segment start = startOf(database, chain, pointInTime);
		List<Segment> planned = new ArrayList<>();
		for (Segment segment : chain) {
			if (segment.sequence() < start.sequence()) {
				continue;
			}
			if (segment.sequence() != start.sequence() + planned.size()) {
				throw refusedPlan(database, "segment " + (start.sequence() + planned.size()) + " of chain "
						+ segment.chainId() + " is missing, so the restore plan would have a gap");
			}
			// Checked first, so that whoever can write to the store cannot steer the rest of the plan.
			String refusal = this.context.authenticity().refusal(segment);
			if (refusal != null) {
				throw refusedPlan(database, "segment " + segment.id() + " is refused: " + refusal);
			}
			if (!atOrBefore(segment, pointInTime)) {
				break;
			}
			if (!planned.isEmpty()) {
				requireFollows(database, planned.get(planned.size() - 1), segment);
			}
			planned.add(segment);
		}
		return new Plan(planned);
	}

	private static boolean atOrBefore(Segment segment, @Nullable Instant pointInTime) {
		return pointInTime == null || !segment.capturedAt().isAfter(pointInTime);
	}

	/**
	 * The newest snapshot of the chain at or before the instant whose backup is in the store: the
	 * fewer segments after it, the faster the restore. An older one is used when retention or a
	 * person deleted a newer one's backup.
	 */
	private Segment startOf(String database, List<Segment> chain, @Nullable Instant pointInTime) {
		Set<String> stored = new HashSet<>();
		this.context.list(database).forEach((backup) -> stored.add(backup.id()));
		List<Segment> snapshots = chain.stream()
			.filter((segment) -> segment.isSnapshot() && atOrBefore(segment, pointInTime))
			.toList();
		for (int index = snapshots.size() - 1; index >= 0; index--) {
			if (stored.contains(snapshots.get(index).baseBackupId())) {
				return snapshots.get(index);
			}
		}
		Segment oldest = snapshots.get(0);
		throw refusedPlan(database, "the snapshot its chain starts from, backup " + oldest.baseBackupId()
				+ ", is no longer in the store" + ((snapshots.size() > 1) ? " (nor are the chain's later snapshots)" : ""));
	}

	/** Whether {@code next} continues {@code previous}: same chain and snapshot, and the next frames of the WAL. */
	private static void requireFollows(String database, Segment previous, Segment next) {
		String problem = null;
		if (!next.previousSha256().equals(previous.plainSha256())
				|| (!next.isSnapshot() && !next.baseBackupId().equals(previous.baseBackupId()))) {
			problem = "does not follow segment " + previous.sequence() + " (it names other frames before it)";
		}
		else if (next.isSnapshot() && next.frameCount() != 0) {
			problem = "names a snapshot but carries frames";
		}
		else if (next.capturedAt().isBefore(previous.capturedAt())) {
			problem = "was captured before segment " + previous.sequence();
		}
		else if (next.pageSize() != previous.pageSize()) {
			problem = "has another page size than segment " + previous.sequence();
		}
		else if (next.salt1() == previous.salt1() && next.salt2() == previous.salt2()
				&& previous.walSequence() >= 0) {
			if (next.startOffset() != previous.endOffset() || next.checksumIn() != previous.checksumOut()) {
				problem = "does not start where segment " + previous.sequence() + " ends in the WAL";
			}
		}
		else if (next.startOffset() != WalFrames.HEADER_SIZE) {
			problem = "does not start at the beginning of the restarted WAL";
		}
		if (problem != null) {
			throw refusedPlan(database, "segment " + next.sequence() + " of chain " + next.chainId() + " " + problem);
		}
	}

	/**
	 * Checks every segment of the plan in full (its stored bytes and frames against its manifest,
	 * its frames against the WAL's checksum chain) and writes the newest copy of each page they
	 * hold into a sparse file at the page's own offset, newest segment first (see
	 * {@link WalFrames#writeNewest}). Each segment is read once, through one open file, so that
	 * what is written is what was checked.
	 * @return the pages written
	 */
	private BitSet collectNewestPages(SqliteDatabase db, Plan plan, Path newestPages) throws IOException {
		Segment last = plan.last();
		BitSet written = new BitSet();
		try (FileChannel pages = FileChannel.open(newestPages, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			List<Segment> segments = plan.segments();
			for (int index = segments.size() - 1; index >= 1; index--) {
				// Later snapshots in the plan carry no frames; their manifests were checked in the plan.
				if (segments.get(index).frameCount() > 0) {
					apply(db, segments.get(index), pages, written, last.pageCount());
				}
			}
		}
		return written;
	}

	/**
	 * Writes the collected pages into the copy of the snapshot and cuts it to the page count of the
	 * last transaction: for each page the newest frame, else the snapshot's page, as a SQLite
	 * reader of the chain's last transaction sees it.
	 */
	private static void mergeNewestPages(Path newestPages, BitSet pages, Segment last, Path target) throws IOException {
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

	private static <T> CompletableFuture<T> onThreadOfItsOwn(String name, Work<T> work) {
		CompletableFuture<T> result = new CompletableFuture<>();
		Thread thread = new Thread(() -> {
			try {
				result.complete(work.run());
			}
			catch (Throwable ex) {
				result.completeExceptionally(ex);
			}
		}, name);
		thread.setDaemon(true);
		thread.start();
		return result;
	}

	private static <T> T await(CompletableFuture<T> future) throws IOException {
		try {
			return future.join();
		}
		catch (java.util.concurrent.CompletionException ex) {
			if (ex.getCause() instanceof IOException io) {
				throw io;
			}
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	/** Work that may fail with an I/O error. */
	@FunctionalInterface
	private interface Work<T> {

		T run() throws IOException;

	}

	private void apply(SqliteDatabase db, Segment segment, FileChannel target, BitSet written, long pageLimit)
			throws IOException {
		try (StoredBackupFile stored = this.store.openSegment(segment)) {
			if (Files.size(stored.path()) != segment.sizeBytes()) {
				throw refusedPlan(db.name(), "segment " + segment.id() + " no longer matches the size and SHA-256 in "
						+ "its manifest");
			}
			boolean plain = Backup.NO_COMPRESSION.equals(segment.compression()) && segment.encryptionKeyId() == null;
			if (plain) {
				checkAndWrite(db, segment, stored.path(), target, written, pageLimit, true);
				return;
			}
			if (!sha256(stored.path()).equals(segment.sha256())) {
				throw refusedPlan(db.name(), "segment " + segment.id() + " no longer matches the size and SHA-256 in "
						+ "its manifest");
			}
			try (StagingFile decoded = decode(db, segment, stored.path())) {
				checkAndWrite(db, segment, decoded.path(), target, written, pageLimit, false);
			}
		}
	}

	/**
	 * Checks a segment's frames (one read for the SHA-256 and the WAL checksums) and writes the
	 * pages no newer segment wrote. For a segment stored plain, the frames are its stored bytes.
	 */
	private void checkAndWrite(SqliteDatabase db, Segment segment, Path frames, FileChannel target, BitSet written,
			long pageLimit, boolean stored) throws IOException {
		try (FileChannel channel = FileChannel.open(frames, StandardOpenOption.READ)) {
			MessageDigest digest = sha256Digest();
			int[] pages;
			try {
				pages = WalFrames.check(channel, segment, digest);
			}
			catch (IllegalStateException ex) {
				// Bytes changed in the store are reported as such, not by the first frame they break.
				if (!sha256(frames).equals(stored ? segment.sha256() : segment.plainSha256())) {
					throw refusedPlan(db.name(), stored ? "segment " + segment.id() + " no longer matches the size and "
							+ "SHA-256 in its manifest" : "the frames of segment " + segment.id() + " do not match its manifest");
				}
				throw refusedPlan(db.name(), "segment " + segment.id() + " is not what its manifest says: " + ex.getMessage());
			}
			String sha256 = HexFormat.of().formatHex(digest.digest());
			if (stored && !sha256.equals(segment.sha256())) {
				throw refusedPlan(db.name(), "segment " + segment.id() + " no longer matches the size and SHA-256 in "
						+ "its manifest");
			}
			if (!sha256.equals(segment.plainSha256())) {
				throw refusedPlan(db.name(), "the frames of segment " + segment.id() + " do not match its manifest");
			}
			WalFrames.writeNewest(channel, pages, segment.pageSize(), written, pageLimit, target);
		}
	}

	private StagingFile decode(SqliteDatabase db, Segment segment, Path stored) throws IOException {
		StagingFile decoded = this.store.newStagingFile(db.name(), segment.id() + "-decoded");
		try {
			this.context.options().storedForm().decode(segment.encoding(), stored, decoded.path());
			return decoded;
		}
		catch (IOException | RuntimeException ex) {
			decoded.close();
			throw refusedPlan(db.name(), "segment " + segment.id() + " cannot be decoded: " + Messages.describe(ex));
		}
	}

	/** Writes the built file's pages to disk on another thread; a failure only costs the time it would save. */
	private static CompletableFuture<Void> writeBack(Path built) {
		return CompletableFuture.runAsync(() -> {
			try (FileChannel channel = FileChannel.open(built, StandardOpenOption.WRITE)) {
				channel.force(false);
			}
			catch (IOException ex) {
				logger.debug("Could not write back {}: {}", built, ex.getMessage());
			}
		}, (task) -> {
			Thread thread = new Thread(task, "sqlite-backup-write-back");
			thread.setDaemon(true);
			thread.start();
		});
	}

	/** The database built in staging must pass {@code quick_check} and have the page count the capture recorded. */
	private void checkBuilt(SqliteDatabase db, Path built, long pageCount) {
		List<String> problems;
		long actual;
		try (SQLiteConnection connection = SqliteConnections.open(built, Duration.ZERO)) {
			// Frames of page 1 say "WAL" in the header; the built file must stand alone like any backup.
			SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			problems = SqliteConnections.check(connection, VerifyMode.QUICK);
			actual = SqliteConnections.number(connection, "PRAGMA page_count");
		}
		catch (SQLException ex) {
			// SQLite gives up on some damage with an error instead of a list of problems.
			problems = List.of("SQLite cannot read it: " + ex.getMessage());
			actual = pageCount;
		}
		if (!problems.isEmpty() || actual != pageCount) {
			throw new BackupVerificationException(db.name(), null, "The database built for the restore of '"
					+ db.name() + "' fails its check (" + (problems.isEmpty() ? actual + " pages instead of "
							+ pageCount : String.join("; ", problems)) + "); the live database was not changed");
		}
	}

	private static BackupVerificationException refused(SqliteDatabase db, String reason) {
		return new BackupVerificationException(db.name(), null, "Database '" + db.name()
				+ "' cannot be restored to a point in time: " + reason + "; the live database was not changed");
	}

	private static BackupVerificationException refusedPlan(String database, String reason) {
		return new BackupVerificationException(database, null, "Database '" + database
				+ "' cannot be restored to a point in time: " + reason + "; the live database was not changed");
	}

	private static String sha256(Path file) throws IOException {
		MessageDigest digest = sha256Digest();
		try (InputStream input = new DigestInputStream(Files.newInputStream(file), digest)) {
			input.transferTo(OutputStream.nullOutputStream());
		}
		return HexFormat.of().formatHex(digest.digest());
	}

	private static MessageDigest sha256Digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * From the oldest snapshot of any chain to the newest capture, or {@code null} when no chain has
	 * a snapshot. Only a look at the manifests: whether every segment is sound is found out by a restore.
	 */
	@Nullable Window window(String database) {
		return window(this.context.fromStore(database, () -> this.store.listSegments(database)));
	}

	private static @Nullable Window window(List<Segment> all) {
		Instant from = all.stream().filter(Segment::isSnapshot).map(Segment::capturedAt).min(Comparator.naturalOrder())
			.orElse(null);
		if (from == null) {
			return null;
		}
		Instant to = all.stream().map(Segment::capturedAt).max(Comparator.naturalOrder()).orElse(from);
		return new Window(from, to);
	}

	/** The instants a restore to a point in time can reach. */
	record Window(Instant from, Instant to) {
	}

	/** The segments of one chain a restore applies, from the snapshot it starts from on. */
	record Plan(List<Segment> segments) {

		Segment start() {
			return this.segments.get(0);
		}

		Segment last() {
			return this.segments.get(this.segments.size() - 1);
		}

	}

}
