package dev.sqlitebackup.codec;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** Compression and encryption stream: a file eight times the heap goes through both ways. */
class SmallHeapTests {

	private static final long FILE_SIZE = 128L * 1024 * 1024;

	@TempDir
	Path temp;

	@Test
	void fileMuchLargerThanTheHeapIsEncodedAndDecoded() throws Exception {
		List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-Xmx16m", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
		if (Runtime.version().feature() >= 22) {
			command.add("--enable-native-access=ALL-UNNAMED");
		}
		command.addAll(List.of(SmallHeapChild.class.getName(), this.temp.toString(), Long.toString(FILE_SIZE)));
		Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
		assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
		String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(child.exitValue()).as(output).isZero();
		String plain = line(output, "plain ");
		assertThat(plain).hasSize(64);
		assertThat(line(output, "decoded ")).isEqualTo(plain);
		assertThat(Long.parseLong(line(output, "maxMemory "))).isLessThan(FILE_SIZE / 4);
	}

	private static String line(String output, String prefix) {
		return output.lines().filter((line) -> line.startsWith(prefix)).findFirst().orElseThrow().substring(prefix.length());
	}

}
