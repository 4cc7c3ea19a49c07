package dev.sqlitebackup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.sqlitebackup.RetentionTests.MutableClock;
import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.pointintime.WalFrames;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A restore to a point in time applies only segments that are exactly what the capture published,
 * in order and without gaps; anything else is refused and the live database stays as it was.
 */
class SegmentRefusalTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private SqliteBackupTemplate template;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));

	private List<String> liveBefore;

	@AfterEach
	void close() {
		this.template.stopCapture("app");
		TestDatabases.close(this.dataSource);
	}

	@Test
	void aSegmentWithAChangedByteIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		StoredSegments.flipAFrameByte(segmentFile(2));

		assertRefused("segment " + Segment.idOf(chainId(), 2) + " no longer matches");
	}

	@Test
	void aSegmentWhoseFramesWereCutShortIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		byte[] frames = StoredSegments.frames(segmentFile(2));
		StoredSegments.write(segmentFile(2), read(2), Arrays.copyOf(frames, frames.length / 2));

		assertRefused("no longer matches the size and SHA-256");
	}

	@Test
	void aTruncatedSegmentFileIsAGapAndIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		try (RandomAccessFile file = new RandomAccessFile(segmentFile(2).toFile(), "rw")) {
			file.setLength(file.length() / 2);
		}

		assertRefused("segment 2 of chain " + chainId() + " is missing, so the restore plan would have a gap");
	}

	@Test
	void aMissingSegmentIsAGapAndIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		Files.delete(segmentFile(2));

		assertRefused("segment 2 of chain " + chainId() + " is missing, so the restore plan would have a gap");
	}

	@Test
	void reorderedSegmentsAreRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		Segment second = read(2);
		Segment third = read(3);
		byte[] secondFrames = StoredSegments.frames(segmentFile(2));
		byte[] thirdFrames = StoredSegments.frames(segmentFile(3));
		renumber(second, 3, secondFrames);
		renumber(third, 2, thirdFrames);

		assertRefused("segment 2 of chain " + chainId() + " does not follow segment 1");
	}

	@Test
	void aSegmentOfAnotherChainIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		String firstChain = chainId();
		Segment stray = read(3);
		this.template.stopCapture("app");
		TestDatabases.changeWhileNotCaptured(this.dataSource);
		capture();
		insert("in the second chain");
		capture();
		String secondChain = chainIds().stream().filter((id) -> !id.equals(firstChain)).findFirst().orElseThrow();
		Segment moved = SegmentContent.parse(with(SegmentContent.fields(stray), "chainId", secondChain, "sequence", "2"),
				null);
		StoredSegments.write(segmentFile(secondChain, 2), moved, StoredSegments.frames(segmentFile(firstChain, 3)));
		this.liveBefore = labels();

		assertRefused("segment 2 of chain " + secondChain + " does not follow segment 1");
	}

	@Test
	void anEncryptedSegmentWhoseManifestWasEditedIsRefused() throws Exception {
		byte[] key = new byte[32];
		Arrays.fill(key, (byte) 7);
		captureThreeSegments(new StoredForm(BackupCodec.GZIP, BackupEncryption.of("k", key, Map.of())));
		Segment third = read(3);
		Segment edited = SegmentContent.parse(
				with(SegmentContent.fields(third), "capturedAt", "2026-11-29T11:59:59Z"), third.manifestMac());
		StoredSegments.write(segmentFile(3), edited, StoredSegments.frames(segmentFile(3)));

		assertRefused("fails authentication");
	}

	@Test
	void anEncryptedLaterSnapshotRestoresAndItsEditedManifestIsRefused() throws Exception {
		byte[] key = new byte[32];
		Arrays.fill(key, (byte) 7);
		captureThreeSegments(new StoredForm(BackupCodec.GZIP, BackupEncryption.of("k", key, Map.of())));
		Backup backup = this.template.backup("app");
		insert("four");
		capture();
		this.liveBefore = labels();
		execute("DELETE FROM item");
		assertThat(this.template.restore("app", this.clock.instant()).restore().restoredFrom()).isEqualTo(backup.id());
		assertThat(labels()).isEqualTo(this.liveBefore);
		Segment snapshot = read(4);
		Segment edited = SegmentContent.parse(with(SegmentContent.fields(snapshot), "snapshotSha256",
				"0".repeat(64)), snapshot.manifestMac());
		StoredSegments.write(segmentFile(4), edited, StoredSegments.frames(segmentFile(4)));

		// At the snapshot's own instant: a restore of "latest" would ship first and start a new chain.
		assertRefused("fails authentication", snapshot.capturedAt());
	}

	@Test
	void aPlaintextSegmentInAnEncryptedChainIsRefusedEvenWhenUnencryptedRestoresAreAllowed() throws Exception {
		byte[] key = new byte[32];
		Arrays.fill(key, (byte) 7);
		StoredForm form = new StoredForm(BackupCodec.GZIP,
				BackupEncryption.of("k", key, Map.of()).withUnencryptedRestoreAllowed(true));
		captureThreeSegments(form);
		Segment third = read(3);
		Path stored = this.temp.resolve("third.stored");
		Files.write(stored, StoredSegments.frames(segmentFile(3)));
		Path plain = this.temp.resolve("third.frames");
		form.decode(third.encoding(), stored, plain);
		Map<String, String> fields = with(SegmentContent.fields(third), "compression", "none", "sha256",
				third.plainSha256(), "sizeBytes", Long.toString(Files.size(plain)));
		fields.remove("encryption");
		fields.remove("encryptionKeyId");
		StoredSegments.write(segmentFile(3), SegmentContent.parse(fields, null), Files.readAllBytes(plain));

		assertRefused("segment " + Segment.idOf(chainId(), 3) + " is refused: it is not encrypted");
	}

	@Test
	void framesRewrittenWithValidChecksumsThatDamageTheDatabaseAreRefusedByTheCheckOfTheBuiltFile() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		Segment last = read(3);
		byte[] frames = StoredSegments.frames(segmentFile(3));
		int frameSize = WalFrames.FRAME_HEADER_SIZE + last.pageSize();
		ByteBuffer buffer = ByteBuffer.wrap(frames);
		for (int at = 0; at < frames.length; at += frameSize) {
			if (buffer.getInt(at) != 1) {
				// A table page whose header names no page type SQLite knows.
				Arrays.fill(frames, at + WalFrames.FRAME_HEADER_SIZE, at + frameSize, (byte) 0x7f);
			}
		}
		long checksum = last.checksumIn();
		for (int at = 0; at < frames.length; at += frameSize) {
			checksum = WalFrames.checksum(WalFrames.checksum(checksum, frames, at, 8, last.bigEndianChecksum()), frames,
					at + WalFrames.FRAME_HEADER_SIZE, last.pageSize(), last.bigEndianChecksum());
			buffer.putLong(at + 16, checksum);
		}
		String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(frames));
		Segment forged = SegmentContent.parse(with(SegmentContent.fields(last), "plainSha256", sha256, "sha256", sha256,
				"checksumOut", Long.toUnsignedString(checksum)), null);
		StoredSegments.write(segmentFile(3), forged, frames);

		assertRefused("fails its check");
	}

	@Test
	void segmentsCutFromTheEndOfAChainAreNamedByItsHeadRecordAndLatestIsRefused() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		this.template.stopCapture("app");
		for (long sequence : new long[] { 2, 3 }) {
			Files.delete(segmentFile(sequence));
		}

		assertRefused("segments 2 to 3 of chain " + chainId() + " are missing from the store: its head record says "
				+ "it reached segment 3");
		assertThat(this.template.restoreWindow("app").orElseThrow().gaps()).singleElement()
			.satisfies((gap) -> assertThat(gap.reason()).contains("are missing from the store"));
	}

	@Test
	void aNewestChainWhoseEverySegmentWasDeletedKeepsLatestFromBeingRestoredAsTheOlderChain() throws Exception {
		captureThreeSegments(StoredForm.PLAIN);
		String older = chainId();
		this.template.stopCapture("app");
		TestDatabases.changeWhileNotCaptured(this.dataSource);
		capture();
		insert("in the newer chain");
		capture();
		this.template.stopCapture("app");
		String newer = chainIds().stream().filter((id) -> !id.equals(older)).findFirst().orElseThrow();
		try (var files = Files.list(segments())) {
			for (Path file : files.filter((file) -> file.getFileName().toString().startsWith(newer)).toList()) {
				Files.delete(file);
			}
		}
		this.liveBefore = labels();

		assertRefused("of chain " + newer + " are missing from the store");
	}

	@Test
	void aHeadRecordPlantedWithoutTheKeyIsNotBelieved() throws Exception {
		byte[] key = new byte[32];
		Arrays.fill(key, (byte) 7);
		captureThreeSegments(new StoredForm(BackupCodec.GZIP, BackupEncryption.of("k", key, Map.of())));
		this.template.stopCapture("app");
		Path head = this.temp.resolve("backups/app/chains/" + chainId() + ".head");
		ChainHead planted = new ChainHead("app", chainId(), null, null, List.of(), List.of(), 99,
				Instant.parse("2026-11-29T13:00:00Z"), "0".repeat(64), 2, Instant.parse("2026-11-29T13:00:00Z"), null,
				null);
		Files.writeString(head, dev.sqlitebackup.store.ChainHeadFormat.write(planted), StandardCharsets.ISO_8859_1);
		execute("DELETE FROM item");

		this.template.restore("app", this.clock.instant());

		assertThat(labels()).isEqualTo(this.liveBefore);
	}

	@Test
	void untouchedSegmentsRestore() throws Exception {
		captureThreeSegments(new StoredForm(BackupCodec.GZIP, null));
		execute("DELETE FROM item");

		this.template.restore("app", this.clock.instant());

		assertThat(labels()).isEqualTo(this.liveBefore);
	}

	private void captureThreeSegments(StoredForm form) throws SQLException {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT NOT NULL)");
		this.template = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withSafetyBackup(false).withStoredForm(form), this.clock);
		capture();
		for (String label : List.of("one", "two", "three")) {
			insert(label);
			capture();
		}
		this.liveBefore = labels();
	}

	private void assertRefused(String reason) throws SQLException, IOException {
		assertRefused(reason, null);
	}

	private void assertRefused(String reason, Instant pointInTime) throws SQLException, IOException {
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> this.template.restoreToPointInTime("app", pointInTime, false))
			.withMessageContaining(reason)
			.withMessageContaining("the live database was not changed");
		assertThat(labels()).isEqualTo(this.liveBefore);
		try (var staged = Files.list(this.temp.resolve("backups").resolve("app").resolve(".staging"))) {
			assertThat(staged).as("what the refused restore built").isEmpty();
		}
	}

	private void renumber(Segment segment, long sequence, byte[] frames) throws Exception {
		Segment renumbered = SegmentContent.parse(
				with(SegmentContent.fields(segment), "sequence", Long.toString(sequence)), null);
		StoredSegments.write(segmentFile(sequence), renumbered, frames);
	}

	private static Map<String, String> with(Map<String, String> fields, String... changes) {
		Map<String, String> changed = new java.util.LinkedHashMap<>(fields);
		for (int i = 0; i < changes.length; i += 2) {
			changed.put(changes[i], changes[i + 1]);
		}
		return changed;
	}

	private Segment read(long sequence) throws Exception {
		return StoredSegments.manifest(segmentFile(sequence));
	}

	private Path segments() {
		return this.temp.resolve("backups").resolve("app").resolve("segments");
	}

	private String chainId() throws Exception {
		return chainIds().get(0);
	}

	private List<String> chainIds() throws Exception {
		try (var files = Files.list(segments())) {
			return files.map((file) -> file.getFileName().toString())
				.filter((name) -> name.endsWith("-segment-0000000000.segment"))
				.map((name) -> name.substring(0, 26))
				.sorted()
				.toList();
		}
	}

	private Path segmentFile(long sequence) throws Exception {
		return segmentFile(chainId(), sequence);
	}

	private Path segmentFile(String chainId, long sequence) {
		return segments().resolve(Segment.idOf(chainId, sequence) + ".segment");
	}

	private void capture() {
		this.clock.advance(Duration.ofSeconds(1));
		this.template.capture("app");
	}

	private void insert(String label) throws SQLException {
		execute("INSERT INTO item (label) VALUES ('" + label + "')");
	}

	private void execute(String sql) throws SQLException {
		TestDatabases.execute(this.dataSource, sql);
	}

	private List<String> labels() throws SQLException {
		List<String> labels = new ArrayList<>();
		try (Connection connection = this.dataSource.getConnection(); Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT label FROM item ORDER BY id")) {
			while (rows.next()) {
				labels.add(rows.getString(1));
			}
		}
		return labels;
	}

}
