package dev.sqlitebackup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConnection;

import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.OperationLocks.RunningOperation;
import dev.sqlitebackup.StoredBackupCheck.CheckedBackup;

/**
 * One restore to a point in time, top to bottom: choose the chain that covers the instant and the
 * segments captured at or before it, refuse a plan with a gap, build the target in staging (the
 * chain's snapshot, checked like any backup, then each segment's frames, each checked against its
 * manifest and its predecessor), check the result ({@code quick_check} and the page count the
 * capture recorded), and copy it into the live database the way {@link RestoreRun} does.
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
		Backup base = this.context.find(db.name(), plan.anchor().baseBackupId())
			.orElseThrow(() -> refused(db, "the snapshot its chain starts from, backup " + plan.anchor().baseBackupId()
					+ ", is no longer in the store"));
		String untrusted = this.context.authenticity().refusal(base);
		if (untrusted != null) {
			throw refused(db, "the snapshot its chain starts from, backup " + base.id() + ", is refused: " + untrusted);
		}
		try (StoredBackupFile stored = this.store.open(base);
				CheckedBackup checked = this.check.forRestore(db, base, stored);
				StagingFile target = this.store.newStagingFile(db.name(), base.id() + "-point-in-time")) {
			Files.copy(checked.plainFile(), target.path());
			String previous = base.sha256();
			try (FileChannel database = FileChannel.open(target.path(), StandardOpenOption.WRITE)) {
				for (Segment segment : plan.segments()) {
					previous = apply(db, segment, previous, database);
				}
				database.force(true);
			}
			long pageCount = plan.last().pageCount();
			checkBuilt(db, target.path(), pageCount);
			RestoreResult restore = this.restores.copyCheckedIntoLive(db, base, target.path(),
					plan.last().pageSize(), safetyBackup, operation, started);
			PointInTimeResult result = new PointInTimeResult(restore, plan.last().capturedAt(),
					plan.segments().size() - 1);
			logger.info("Restored database '{}' to {} (backup {} and {} segments of chain {}, {} pages) in {} ms{}",
					db.name(), result.restoredTo(), base.id(), result.segments(), plan.anchor().chainId(),
					restore.pageCount(), restore.duration().toMillis(), (restore.safetyBackupId() != null)
							? "; the previous state is backup " + restore.safetyBackupId() : "");
			this.context.listeners().tell((listener) -> listener.restoreCompleted(restore));
			return result;
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
	 * The chain that covers the instant (the newest one that started at or before it) and its
	 * segments up to the last captured at or before it. Every segment from 0 to there must be
	 * present and each must follow its predecessor: a plan with a gap is refused.
	 */
	Plan plan(String database, @Nullable Instant pointInTime) {
		List<Segment> all = this.context.fromStore(database, () -> this.store.listSegments(database));
		Map<String, List<Segment>> chains = new LinkedHashMap<>();
		all.stream()
			.sorted(Comparator.comparing(Segment::chainId).thenComparingLong(Segment::sequence))
			.forEach((segment) -> chains.computeIfAbsent(segment.chainId(), (id) -> new ArrayList<>()).add(segment));
		List<List<Segment>> anchored = chains.values().stream().filter((chain) -> chain.get(0).isAnchor()).toList();
		if (anchored.isEmpty()) {
			throw new PointInTimeNotCoveredException(database, "Database '" + database
					+ "' has no continuous backup to restore from" + (chains.isEmpty() ? "" : " (only segments of chains "
							+ "whose start is missing)"));
		}
		Instant from = anchored.get(0).get(0).capturedAt();
		Instant to = all.stream().map(Segment::capturedAt).max(Comparator.naturalOrder()).orElse(from);
		List<Segment> chain = null;
		for (List<Segment> candidate : anchored) {
			if (pointInTime == null || !candidate.get(0).capturedAt().isAfter(pointInTime)) {
				chain = candidate;
			}
		}
		// An instant after the newest capture but not in the future gets the newest captured state;
		// the result says which instant that is.
		if (chain == null || (pointInTime != null && pointInTime.isAfter(this.context.clock().instant()))) {
			throw new PointInTimeNotCoveredException(database, "No continuous backup of database '" + database
					+ "' covers " + pointInTime + "; the restore window is " + from + " to " + to);
		}
		List<Segment> planned = new ArrayList<>();
		for (Segment segment : chain) {
			if (segment.sequence() != planned.size()) {
				throw refusedPlan(database, "segment " + planned.size() + " of chain " + segment.chainId()
						+ " is missing, so the restore plan would have a gap");
			}
			// Checked first, so that whoever can write to the store cannot steer the rest of the plan.
			String refusal = this.context.authenticity().refusal(segment);
			if (refusal != null) {
				throw refusedPlan(database, "segment " + segment.id() + " is refused: " + refusal);
			}
			if (pointInTime != null && segment.capturedAt().isAfter(pointInTime)) {
				break;
			}
			if (!planned.isEmpty()) {
				requireFollows(database, planned.get(planned.size() - 1), segment);
			}
			planned.add(segment);
		}
		return new Plan(planned);
	}

	/** Whether {@code next} continues {@code previous}: same chain and snapshot, and the next frames of the WAL. */
	private static void requireFollows(String database, Segment previous, Segment next) {
		String problem = null;
		if (!next.baseBackupId().equals(previous.baseBackupId()) || !next.previousSha256().equals(previous.plainSha256())) {
			problem = "does not follow segment " + previous.sequence() + " (it names other frames before it)";
		}
		else if (next.capturedAt().isBefore(previous.capturedAt())) {
			problem = "was captured before segment " + previous.sequence();
		}
		else if (next.pageSize() != previous.pageSize()) {
			problem = "has another page size than segment " + previous.sequence();
		}
		else if (next.salt1() == previous.salt1() && next.salt2() == previous.salt2()
				&& !previous.isAnchorOfEmptyWal()) {
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
	 * Checks one segment (authenticity, stored bytes against its manifest, frames against its
	 * manifest and WAL checksums) and writes its pages into the target.
	 * @return the SHA-256 of its frames, which the next segment must name
	 */
	private String apply(SqliteDatabase db, Segment segment, String previous, FileChannel target) throws IOException {
		if (segment.isAnchor()) {
			if (!segment.previousSha256().equals(previous)) {
				throw refusedPlan(db.name(), "chain " + segment.chainId() + " does not start from the bytes of backup "
						+ segment.baseBackupId());
			}
			return segment.plainSha256();
		}
		try (StoredBackupFile stored = this.store.openSegment(segment)) {
			if (Files.size(stored.path()) != segment.sizeBytes() || !sha256(stored.path()).equals(segment.sha256())) {
				throw refusedPlan(db.name(), "segment " + segment.id() + " no longer matches the size and SHA-256 in its "
						+ "manifest");
			}
			try (StagingFile decoded = decode(db, segment, stored.path())) {
				Path frames = (decoded != null) ? decoded.path() : stored.path();
				if (!sha256(frames).equals(segment.plainSha256())) {
					throw refusedPlan(db.name(), "the frames of segment " + segment.id() + " do not match its manifest");
				}
				WalFrames.checkAndApply(frames, segment, target);
			}
			catch (IllegalStateException ex) {
				throw refusedPlan(db.name(), "segment " + segment.id() + " is not what its manifest says: " + ex.getMessage());
			}
		}
		return segment.plainSha256();
	}

	private @Nullable StagingFile decode(SqliteDatabase db, Segment segment, Path stored) throws IOException {
		if (Backup.NO_COMPRESSION.equals(segment.compression()) && segment.encryptionKeyId() == null) {
			return null;
		}
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

	/** The database built in staging must pass {@code quick_check} and have the page count the capture recorded. */
	private void checkBuilt(SqliteDatabase db, Path built, long pageCount) throws SQLException {
		try (SQLiteConnection connection = SqliteConnections.open(built, Duration.ZERO)) {
			// Frames of page 1 say "WAL" in the header; the built file must stand alone like any backup.
			SqliteConnections.text(connection, "PRAGMA journal_mode=DELETE");
			List<String> problems = SqliteConnections.check(connection, VerifyMode.QUICK);
			long actual = SqliteConnections.number(connection, "PRAGMA page_count");
			if (!problems.isEmpty() || actual != pageCount) {
				throw new BackupVerificationException(db.name(), null, "The database built for the restore of '"
						+ db.name() + "' fails its check (" + (problems.isEmpty() ? actual + " pages instead of "
								+ pageCount : String.join("; ", problems)) + "); the live database was not changed");
			}
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
		try {
			MessageDigest digest = MessageDigest.getInstance("SHA-256");
			try (InputStream input = new DigestInputStream(Files.newInputStream(file), digest)) {
				input.transferTo(java.io.OutputStream.nullOutputStream());
			}
			return HexFormat.of().formatHex(digest.digest());
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * From the start of the oldest chain to the newest capture, or {@code null} when no chain has
	 * its start. Only a look at the manifests: whether every segment is sound is found out by a restore.
	 */
	@Nullable Window window(String database) {
		List<Segment> all = this.context.fromStore(database, () -> this.store.listSegments(database));
		Instant from = all.stream().filter(Segment::isAnchor).map(Segment::capturedAt).min(Comparator.naturalOrder())
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

	/** The segments of one chain a restore applies, from its anchor on. */
	record Plan(List<Segment> segments) {

		Segment anchor() {
			return this.segments.get(0);
		}

		Segment last() {
			return this.segments.get(this.segments.size() - 1);
		}

	}

}
