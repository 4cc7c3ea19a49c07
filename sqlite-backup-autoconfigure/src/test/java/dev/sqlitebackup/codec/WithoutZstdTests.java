package dev.sqlitebackup.codec;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** zstd-jni is optional: without it, gzip and none work and zstd is refused with what to add. */
class WithoutZstdTests {

	@Test
	void zstdWithoutTheLibraryIsRefusedWithAClearMessage() throws Exception {
		String classPath = Stream
			.of(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
				.split(File.pathSeparator))
			.filter((entry) -> !entry.contains("zstd-jni"))
			.collect(Collectors.joining(File.pathSeparator));
		Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
				"-cp", classPath, WithoutZstdChild.class.getName()))
			.redirectErrorStream(true)
			.start();
		assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
		String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(child.exitValue()).as(output).isZero();
		assertThat(output).contains("available false", "gzip .gz",
				"refused Compression 'zstd' needs com.github.luben:zstd-jni on the class path");
	}

}
