package dev.sqlitebackup;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.pointintime.WalFrames;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Continuous backup on a bad day: frames that look committed but are not, a WAL written over in
 * place, a clock stepped back. Every restore is exactly a committed state, or the chain says why
 * it could not go on.
 */
class ContinuousTrustTests {

	@TempDir
	Path temp;

	private CapturedItems items;

	@AfterEach
	void close() {
		if (this.items != null) {
			this.items.close();
		}
	}

	@Test
	void framesPastSqlitesCommittedEndAreNeverShippedAndTheChainGoesOnWhenTheNextWriterOverwritesThem()
			throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.insert("second", 10);
		String chain = this.items.capture().chainId();
		appendPhantomTransaction();

		CaptureResult afterPhantom = this.items.capture();
		this.items.insert("third", 10);
		CaptureResult afterThird = this.items.capture();
		this.items.insert("fourth", 10);
		CaptureResult afterFourth = this.items.capture();

		assertThat(afterPhantom.frames()).as("frames shipped while only the phantom transaction was new").isZero();
		assertThat(List.of(afterThird, afterFourth)).allSatisfy((pass) -> {
			assertThat(pass.chainId()).isEqualTo(chain);
			assertThat(pass.frames()).isPositive();
		});
		assertRestoresToLatestExactly();
	}

	@Test
	void aLastShippedFrameWrittenOverInPlaceStartsANewChainSayingWhy() throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.capture();
		WalFile wal = WalFile.of(this.items.database());
		long committed = wal.committedFrames();
		wal.flipChecksumOf(committed);
		this.items.insert("second", 10);

		CaptureResult next = this.items.capture();

		assertThat(next.newChainReason()).contains("written over in place");
		assertRestoresToLatestExactly();
	}

	@Test
	void segmentsCapturedAfterTheClockSteppedBackNeverGoBackInTimeAndRestore() throws Exception {
		start();
		this.items.insert("before the step", 10);
		this.items.capture();
		Instant beforeStep = this.items.clock.instant();
		this.items.clock.advance(Duration.ofHours(-1));
		this.items.insert("after the step", 10);
		this.items.capture();
		this.items.insert("later still", 10);
		this.items.capture();

		List<Segment> segments = this.items.segments();
		for (int i = 1; i < segments.size(); i++) {
			assertThat(segments.get(i).capturedAt()).isAfterOrEqualTo(segments.get(i - 1).capturedAt());
		}
		assertThat(segments.get(segments.size() - 1).capturedAt()).isEqualTo(beforeStep);
		assertThat(this.items.template.continuousLag("app")).hasValueSatisfying((lag) -> assertThat(lag.isNegative()).isFalse());
		assertRestoresToLatestExactly();
	}

	@Test
	void latestIsTheChainThatWentOnNotOneASecondInstanceStartedLaterAndLeft() throws Exception {
		start();
		this.items.insert("first", 10);
		String going = this.items.capture().chainId();
		DataSource second = TestDatabases.plain(this.items.database(), Mode.WAL);
		try {
			RetentionTests.MutableClock later = new RetentionTests.MutableClock(this.items.clock.instant().plusSeconds(30));
			// A store without locks (or, with the lease, a fenced holder) lets a second instance start a chain.
			LocalDirectoryBackupStore withoutLocks = new LocalDirectoryBackupStore(this.items.backups()) {

				@Override
				public Optional<StoreLock> tryCaptureLock(String database, String holder) {
					return Optional.of(StoreLock.NONE);
				}

			};
			SqliteBackupTemplate secondInstance = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", second)),
					withoutLocks, BackupOptions.defaults(), later);
			assertThat(secondInstance.capture("app").startedChain()).isTrue();
			secondInstance.stopCapture("app");
		}
		finally {
			TestDatabases.close(second);
		}
		this.items.clock.advance(Duration.ofMinutes(5));
		this.items.insert("written after the second instance left", 10);
		this.items.capture();

		PointInTimeResult result = assertRestoresToLatestExactly();

		assertThat(result.chain()).isEqualTo(going);
		assertThat(result.latest()).isTrue();
	}

	@Test
	void aChainStartedByARunWhoseClockIsBehindThePreviousRunsIsStillTheLatest() throws Exception {
		start();
		this.items.insert("first run", 10);
		this.items.capture();
		this.items.close();
		this.items = new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false), null, false);
		this.items.changeWhileNotCaptured();
		this.items.clock.advance(Duration.ofHours(-1));
		String second = this.items.capture().chainId();
		this.items.insert("second run", 10);
		this.items.capture();

		PointInTimeResult result = assertRestoresToLatestExactly();

		assertThat(result.chain()).isEqualTo(second);
		assertThat(this.items.segments()).filteredOn((segment) -> segment.chainId().equals(second))
			.first()
			.satisfies((anchor) -> assertThat(anchor.parent()).isNotNull());
	}

	@Test
	void aRestoreOfLatestFirstShipsWhatWasCommittedSinceTheLastPass() throws Exception {
		start();
		this.items.insert("shipped", 10);
		this.items.capture();
		this.items.insert("acknowledged just before the restore", 10);

		PointInTimeResult result = this.items.template.restoreLatest("app");

		assertThat(this.items.labels()).containsExactly("shipped", "acknowledged just before the restore");
		assertThat(result.latest()).isTrue();
	}

	@Test
	void aRestoreToAnEarlierInstantSaysItIsNotTheLatestAndTheNextChainFollowsThePointRestored() throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.capture();
		Instant afterFirst = this.items.clock.instant();
		this.items.insert("second", 10);
		this.items.capture();

		PointInTimeResult result = this.items.template.restore("app", afterFirst);
		String next = this.items.capture().chainId();

		assertThat(result.latest()).isFalse();
		assertThat(this.items.labels()).containsExactly("first");
		Segment anchor = this.items.segments().stream().filter((segment) -> segment.chainId().equals(next))
			.findFirst().orElseThrow();
		assertThat(anchor.parent()).isEqualTo(result.point());
		assertThat(anchor.startReason()).contains("restored");
	}

	@Test
	void aDatabaseNewAtStartStartsNoChainOverTheStoresHistoryUntilItIsRestored() throws Exception {
		start();
		this.items.insert("history", 10);
		this.items.capture();
		List<String> history = this.items.dump();
		this.items.close();
		for (String suffix : List.of("", "-wal", "-shm")) {
			java.nio.file.Files.deleteIfExists(this.temp.resolve("app.db" + suffix));
		}
		this.items = new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false));
		int segmentsBefore = this.items.segments().size();

		CaptureResult first = this.items.template.startCapture("app", true);
		CaptureResult next = this.items.capture();
		ContinuousStatus waiting = this.items.template.continuousStatus("app").orElseThrow();

		assertThat(first.awaitsRestore()).isTrue();
		assertThat(next.awaitsRestore()).isTrue();
		assertThat(this.items.segments()).hasSize(segmentsBefore);
		assertThat(waiting.state()).isEqualTo(ContinuousStatus.State.AWAITING_RESTORE);
		assertThat(waiting.state().label()).isEqualTo("awaiting-restore");
		assertThat(waiting.lastFailure()).contains("holds its history up to").contains("restore");

		PointInTimeResult restored = this.items.template.restoreLatest("app");
		CaptureResult after = this.items.capture();

		assertThat(this.items.dump()).isEqualTo(history);
		assertThat(after.startedChain()).isTrue();
		Segment anchor = this.items.segments().stream().filter((segment) -> segment.chainId().equals(after.chainId()))
			.findFirst().orElseThrow();
		assertThat(anchor.parent()).isEqualTo(restored.point());
		assertThat(this.items.template.continuousStatus("app").orElseThrow().state())
			.isEqualTo(ContinuousStatus.State.RUNNING);
	}

	@Test
	void aChainDoesNotStartFromADatabaseThatLostAllItsTables() throws Exception {
		start();
		this.items.insert("history", 10);
		this.items.template.backup("app");
		this.items.template.stopCapture("app");
		// Dropped and checkpointed while nothing captured: no proof that the chain goes on.
		this.items.execute("DROP TABLE item");
		this.items.execute("PRAGMA wal_checkpoint(TRUNCATE)");

		assertThatExceptionOfType(BackupVerificationException.class).isThrownBy(this.items::capture)
			.withMessageContaining("the database has no tables");
	}

	@Test
	void aSecondCaptureOfTheSameDatabaseAndStoreStandsByAndTakesOverTheChainWhenTheFirstStops() throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.capture();
		DataSource second = TestDatabases.plain(this.items.database(), Mode.WAL);
		try {
			SqliteBackupTemplate secondInstance = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", second)),
					new LocalDirectoryBackupStore(this.items.backups()), BackupOptions.defaults().withSafetyBackup(false),
					this.items.clock);
			int segments = this.items.segments().size();

			CaptureResult standing = secondInstance.startCapture("app", false);
			this.items.insert("second", 10);
			this.items.capture();
			CaptureResult stillStanding = secondInstance.capture("app");
			ContinuousStatus status = secondInstance.continuousStatus("app").orElseThrow();

			assertThat(standing.isStandby()).isTrue();
			assertThat(stillStanding.isStandby()).isTrue();
			assertThat(status.state().label()).isEqualTo("standby");
			assertThat(status.lastFailure()).contains("pid " + ProcessHandle.current().pid());
			assertThat(this.items.segments()).hasSize(segments + 1)
				.allMatch((segment) -> segment.chainId().equals(this.items.segments().get(0).chainId()));

			this.items.template.stopCapture("app");
			String chain = this.items.segments().get(0).chainId();
			this.items.insert("after the handover", 10);
			CaptureResult takenOver = secondInstance.capture("app");

			// The first closed its chain cleanly on this very file: the second goes on with it.
			assertThat(takenOver.chainId()).isEqualTo(chain);
			assertThat(takenOver.newChainReason()).isNull();
			assertThat(secondInstance.continuousStatus("app").orElseThrow().state())
				.isEqualTo(ContinuousStatus.State.RUNNING);
			secondInstance.stopCapture("app");
		}
		finally {
			TestDatabases.close(second);
		}
		assertRestoresToLatestExactly();
	}

	@Test
	void aRunningCaptureNoticesThatTheHeadRecordItWroteWasDeleted() throws Exception {
		start();
		this.items.insert("first", 10);
		String chain = this.items.capture().chainId();
		java.nio.file.Files.delete(this.items.backups().resolve("app/chains/" + chain + ".head"));
		this.items.clock.advance(Duration.ofSeconds(31));

		this.items.capture();
		ContinuousStatus status = this.items.template.continuousStatus("app").orElseThrow();

		assertThat(status.state()).isEqualTo(ContinuousStatus.State.FAILING);
		assertThat(status.lastFailure()).contains("the head record of chain " + chain + " in the store was deleted");
	}

	@Test
	void segmentsKeptAsTwoFilesByEarlierVersionsStillListAndRestore() throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.capture();
		this.items.insert("second", 10);
		this.items.capture();
		List<Segment> shipped = this.items.segments();
		for (Segment segment : shipped) {
			splitIntoTwoFiles(segment, this.items.backups().resolve("app/segments/" + segment.id() + ".segment"));
		}

		assertThat(this.items.segments()).containsExactlyInAnyOrderElementsOf(shipped);
		assertRestoresToLatestExactly();
	}

	@Test
	void aTwoFileSegmentPublishCutShortBetweenItsRenamesIsFinishedByTheNextCleanUp() throws Exception {
		start();
		this.items.insert("first", 10);
		this.items.capture();
		this.items.insert("second", 10);
		this.items.capture();
		Segment cut = this.items.segments().get(this.items.segments().size() - 1);
		Path segments = this.items.backups().resolve("app/segments");
		Path manifest = splitIntoTwoFiles(cut, segments.resolve(cut.id() + ".segment"));
		java.nio.file.Files.move(manifest, this.items.backups().resolve("app/.staging/" + cut.id() + ".segment"));
		assertThat(this.items.segments()).extracting(Segment::id).doesNotContain(cut.id());

		this.items.template.backup("app");

		assertThat(this.items.segments()).extracting(Segment::id).contains(cut.id());
		assertRestoresToLatestExactly();
	}

	/**
	 * Rewrites a segment kept whole in one file as earlier versions kept it: the frames in
	 * {@code <id>.frames[...]} and the manifest alone in {@code <id>.segment}.
	 */
	private static Path splitIntoTwoFiles(Segment segment, Path file) throws Exception {
		byte[] frames = StoredSegments.frames(file);
		Path data = file.resolveSibling(segment.id() + ".frames"
				+ dev.sqlitebackup.codec.StoredForm.fileSuffixOf(segment.compression(), segment.encryptionKeyId() != null));
		java.nio.file.Files.write(data, frames);
		java.nio.file.Files.writeString(file, dev.sqlitebackup.store.SegmentManifestFormat.write(segment),
				StandardCharsets.ISO_8859_1);
		return file;
	}

	@Test
	void aTransactionFarLargerThanTheHeapShipsInOnePassThroughABoundedBuffer() throws Exception {
		Path file = this.temp.resolve("large.db");
		Path backups = this.temp.resolve("large-backups");
		DataSource dataSource = TestDatabases.plain(file, Mode.WAL);
		try {
			TestDatabases.execute(dataSource, "CREATE TABLE item (seq INTEGER PRIMARY KEY, padding BLOB)");
			Process child = CrashTests.startChild(LargeTransactionChild.class,
					List.of(file.toString(), backups.toString(), "160"), "READY", "40m");
			String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
			assertThat(child.exitValue()).as(output).isZero();
			assertThat(output).startsWith("SHIPPED ");
			SqliteBackupTemplate template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", dataSource)),
					new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
			Path restored = this.temp.resolve("restored.db");

			template.restoreToFile("app", null, restored);

			try (Connection connection = TestDatabases.open(restored)) {
				assertThat(TestDatabases.queryLong(connection, "SELECT count(*) FROM item")).isEqualTo(160);
				assertThat(TestDatabases.queryLong(connection, "SELECT sum(length(padding)) FROM item"))
					.isEqualTo(160L << 20);
				assertThat(TestDatabases.queryText(connection, "PRAGMA quick_check")).isEqualTo("ok");
			}
		}
		finally {
			TestDatabases.close(dataSource);
		}
	}

	private void start() throws Exception {
		this.items = new CapturedItems(this.temp, BackupOptions.defaults().withSafetyBackup(false));
		this.items.capture();
	}

	/** Restores "latest" into a new file, which must hold exactly what the live database holds. */
	private PointInTimeResult assertRestoresToLatestExactly() throws Exception {
		List<String> live = this.items.dump();
		Path file = this.temp.resolve("latest-" + System.nanoTime() + ".db");

		PointInTimeResult result = this.items.template.restoreToFile("app", null, file);

		SQLiteDataSource restored = new SQLiteDataSource();
		restored.setUrl("jdbc:sqlite:" + file);
		assertThat(CapturedItems.dump(restored)).isEqualTo(live);
		try (Connection connection = restored.getConnection()) {
			assertThat(TestDatabases.queryText(connection, "PRAGMA integrity_check")).isEqualTo("ok");
		}
		return result;
	}

	/**
	 * Leaves what a writer killed in the middle of a commit leaves: a transaction's frames after
	 * SQLite's committed end, commit frame included, with valid salts and checksums. Its page is an
	 * earlier version of the table's page, so a restore that applied it would lose rows.
	 */
	private void appendPhantomTransaction() throws Exception {
		WalFile wal = WalFile.of(this.items.database());
		long committed = wal.committedFrames();
		int root;
		try (Connection connection = TestDatabases.open(this.items.database())) {
			root = (int) TestDatabases.queryLong(connection, "SELECT rootpage FROM sqlite_schema WHERE name = 'item'");
		}
		long oldest = -1;
		for (long frame = 1; frame <= committed && oldest < 0; frame++) {
			if (wal.pageOf(frame) == root) {
				oldest = frame;
			}
		}
		assertThat(oldest).as("a frame of the table's page").isPositive();
		wal.append(committed, root, wal.pageBytesOf(oldest), wal.commitSizeOf(committed));
	}

	/** The {@code -wal} file of a database, read and written as a killed writer would leave it. */
	record WalFile(Path path, int pageSize, int salt1, int salt2, boolean bigEndian, Path database) {

		static WalFile of(Path database) throws Exception {
			Path path = WalFrames.walOf(database);
			try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
				WalFrames.Header header = WalFrames.readHeader(channel);
				return new WalFile(path, header.pageSize(), header.salt1(), header.salt2(), header.bigEndian(), database);
			}
		}

		/** Frames SQLite counts as committed, from a connection of its own. */
		long committedFrames() throws Exception {
			try (Connection connection = TestDatabases.open(this.database);
					java.sql.Statement statement = connection.createStatement();
					java.sql.ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(NOOP)")) {
				result.next();
				return result.getLong(2);
			}
		}

		int frameSize() {
			return WalFrames.FRAME_HEADER_SIZE + this.pageSize;
		}

		long offsetOf(long frame) {
			return WalFrames.HEADER_SIZE + (frame - 1) * frameSize();
		}

		ByteBuffer read(long offset, int length) throws Exception {
			ByteBuffer buffer = ByteBuffer.allocate(length);
			try (FileChannel channel = FileChannel.open(this.path, StandardOpenOption.READ)) {
				while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
					// until the buffer is full
				}
			}
			return buffer.flip();
		}

		int pageOf(long frame) throws Exception {
			return read(offsetOf(frame), 4).getInt(0);
		}

		int commitSizeOf(long frame) throws Exception {
			return read(offsetOf(frame) + 4, 4).getInt(0);
		}

		byte[] pageBytesOf(long frame) throws Exception {
			return read(offsetOf(frame) + WalFrames.FRAME_HEADER_SIZE, this.pageSize).array();
		}

		/** Writes a commit frame after {@code after}, continuing its checksum. */
		void append(long after, int page, byte[] content, int commitSize) throws Exception {
			long checksum = read(offsetOf(after) + 16, 8).getLong(0);
			ByteBuffer frame = ByteBuffer.allocate(frameSize());
			frame.putInt(page).putInt(commitSize).putInt(this.salt1).putInt(this.salt2);
			frame.position(WalFrames.FRAME_HEADER_SIZE);
			frame.put(content);
			byte[] bytes = frame.array();
			checksum = WalFrames.checksum(WalFrames.checksum(checksum, bytes, 0, 8, this.bigEndian), bytes,
					WalFrames.FRAME_HEADER_SIZE, this.pageSize, this.bigEndian);
			frame.putLong(16, checksum);
			write(offsetOf(after + 1), frame.rewind());
		}

		void flipChecksumOf(long frame) throws Exception {
			ByteBuffer checksum = read(offsetOf(frame) + 16, 8);
			checksum.put(7, (byte) (checksum.get(7) ^ 1));
			write(offsetOf(frame) + 16, checksum.rewind());
		}

		private void write(long offset, ByteBuffer bytes) throws Exception {
			try (FileChannel channel = FileChannel.open(this.path, StandardOpenOption.WRITE)) {
				while (bytes.hasRemaining()) {
					channel.write(bytes, offset + bytes.position());
				}
			}
		}

	}

}
