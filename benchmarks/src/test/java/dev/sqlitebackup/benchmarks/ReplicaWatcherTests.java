package dev.sqlitebackup.benchmarks;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import com.github.luben.zstd.Zstd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The replica watcher: its decoders give back the bytes that were compressed, and it notes a
 * marker when a file that holds it is published, but not in files still being written, in
 * staging folders or in snapshots.
 */
class ReplicaWatcherTests {

	@TempDir
	Path temp;

	@Test
	void decodesAnLz4FrameWithAMatchThatOverlapsItsOutput() {
		ByteArrayOutputStream frame = new ByteArrayOutputStream();
		frame.writeBytes(new byte[] { 0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x00 });
		ByteArrayOutputStream block = new ByteArrayOutputStream();
		// 16 literals (15 in the token, one more byte), then a match of 10 bytes 2 back (6 + 4).
		block.writeBytes(new byte[] { (byte) 0xF6, 0x01 });
		block.writeBytes("ev#0000000042#xy".getBytes(StandardCharsets.US_ASCII));
		block.writeBytes(new byte[] { 0x02, 0x00 });
		// The last sequence: five literals, no match.
		block.write(0x50);
		block.writeBytes("!!!!!".getBytes(StandardCharsets.US_ASCII));
		writeLittleEndian(frame, block.size());
		frame.writeBytes(block.toByteArray());
		// A stored block, kept as it is.
		byte[] stored = "ev#0000000043#".getBytes(StandardCharsets.US_ASCII);
		writeLittleEndian(frame, stored.length | 0x80000000);
		frame.writeBytes(stored);
		writeLittleEndian(frame, 0);
		assertThat(new String(ReplicaWatcher.decode(frame.toByteArray()), StandardCharsets.US_ASCII))
			.isEqualTo("ev#0000000042#xyxyxyxyxyxy!!!!!ev#0000000043#");
	}

	@Test
	void decodesZstdFramesUpToWhatFollowsThem() {
		byte[] frames = "ev#0000000007#".repeat(1000).getBytes(StandardCharsets.US_ASCII);
		ByteArrayOutputStream object = new ByteArrayOutputStream();
		object.writeBytes(Zstd.compress(frames));
		object.writeBytes("a manifest and its footer".getBytes(StandardCharsets.US_ASCII));
		assertThat(ReplicaWatcher.decode(object.toByteArray())).isEqualTo(frames);
	}

	@Test
	void notesMarkersOfPublishedFilesOnly() throws Exception {
		Path replica = this.temp.resolve("replica");
		try (ReplicaWatcher watcher = ReplicaWatcher.start(replica)) {
			Thread.sleep(200);
			Files.createDirectories(replica.resolve("segments"));
			Files.createDirectories(replica.resolve(".staging"));
			publish(replica.resolve("segments").resolve("1.frames"), ScheduledWriter.marker(5));
			Files.writeString(replica.resolve(".staging").resolve("2.frames"), ScheduledWriter.marker(6));
			Files.writeString(replica.resolve("segments").resolve("3.wal.tmp"), ScheduledWriter.marker(7));
			Files.writeString(replica.resolve("segments")
				.resolve("4.frames-0f8e1a7c-3b2d-4e5f-8a9b-0c1d2e3f4a5b"), ScheduledWriter.marker(8));
			publish(replica.resolve("20261203T000000Z-abc.sqlite.zst"), ScheduledWriter.marker(9));
			long deadline = System.nanoTime() + 5_000_000_000L;
			while ((watcher.firstSeenMicros(5) == 0 || watcher.snapshotMicros() == 0)
					&& System.nanoTime() < deadline) {
				Thread.sleep(50);
			}
			Thread.sleep(300);
			watcher.close();
			assertThat(watcher.firstSeenMicros(5)).isPositive();
			assertThat(watcher.snapshotMicros()).isPositive();
			for (int skipped = 6; skipped <= 9; skipped++) {
				assertThat(watcher.firstSeenMicros(skipped)).as("marker %d", skipped).isZero();
			}
		}
	}

	private static void publish(Path file, String content) throws Exception {
		Path staged = file.resolveSibling(file.getFileName() + ".tmp");
		Files.writeString(staged, content);
		Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
	}

	private static void writeLittleEndian(ByteArrayOutputStream out, int value) {
		out.write(value & 0xFF);
		out.write((value >>> 8) & 0xFF);
		out.write((value >>> 16) & 0xFF);
		out.write((value >>> 24) & 0xFF);
	}

}
