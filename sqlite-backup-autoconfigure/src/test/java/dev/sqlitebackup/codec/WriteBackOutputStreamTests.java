package dev.sqlitebackup.codec;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** A large stored form is written back as it is written, not in one fsync at the end. */
class WriteBackOutputStreamTests {

	@TempDir
	Path temp;

	@Test
	void aFileLargerThanTheWriteBackStepIsWrittenBackAsItGrowsAndHoldsEveryByte() throws IOException {
		Path file = this.temp.resolve("stored");
		byte[] chunk = new byte[1 << 20];
		new Random(7).nextBytes(chunk);
		int chunks = (int) (3 * WriteBackOutputStream.WRITE_BACK_EVERY_BYTES / chunk.length) + 1;
		WriteBackOutputStream stream;
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
			stream = new WriteBackOutputStream(channel);
			try (stream) {
				for (int i = 0; i < chunks; i++) {
					stream.write(chunk, 0, chunk.length);
				}
				stream.write(42);
			}
			assertThat(channel.isOpen()).isTrue();
		}
		assertThat(stream.writeBacksStarted()).isBetween(1, 3);
		assertThat(Files.size(file)).isEqualTo((long) chunks * chunk.length + 1);
		try (var input = Files.newInputStream(file)) {
			assertThat(Arrays.equals(input.readNBytes(chunk.length), chunk)).isTrue();
			input.skipNBytes((long) (chunks - 1) * chunk.length);
			assertThat(input.read()).isEqualTo(42);
		}
	}

	@Test
	void aSmallFileStartsNoWriteBack() throws IOException {
		Path file = this.temp.resolve("small");
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
				WriteBackOutputStream stream = new WriteBackOutputStream(channel)) {
			stream.write(new byte[4096]);
			assertThat(stream.writeBacksStarted()).isZero();
		}
		assertThat(Files.size(file)).isEqualTo(4096);
	}

}
