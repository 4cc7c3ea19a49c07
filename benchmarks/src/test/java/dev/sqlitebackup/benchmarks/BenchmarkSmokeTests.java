package dev.sqlitebackup.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark at a few MB: every part runs and prints its table (the S3 group against its own
 * S3Proxy process, the continuous group for a few seconds), a day of writes shortened to 36 simulated
 * seconds into a directory, and the codecs group on the text profile. Nothing here is timed.
 */
class BenchmarkSmokeTests {

	@TempDir
	Path temp;

	@Test
	void smallRunPrintsEveryTable() throws Exception {
		// Idle long enough that a child JVM writer has samples in its idle window on a loaded machine too.
		List<String> tables = Benchmark.runForTest(Map.of("size-mb", "4", "runs", "1", "dir", this.temp.toString(),
				"idle-ms", "2000", "quick", "true", "continuous-off-s", "1", "continuous-writes-s", "3",
				"continuous-kill-after-s", "1"));
		assertThat(tables).hasSize(6);
		assertThat(String.join("\n", tables)).contains("| WAL | copy phase", "whole restore", "separate process",
				"engine default: via memory", "| gzip |", "| zstd + AES-256-GCM |", "whole backup into S3",
				"| capture lag p50 / p99", "capture off", "capture on", "`kill -9` of the capturing process",
				"| restore to latest after 3 s of writes", "| restore to the middle of those writes",
				"| plain restore of a backup", "| part: reading every segment's frames")
			.doesNotContain("NaN", "Infinity", "FAILED", "gap-free prefix: NO", "had no successful pass");
	}

	@Test
	void aShortDayOfWritesRestoresTheLatestPoint() throws Exception {
		// 36 simulated seconds: more than the 30 segments of a level-1 block, so that compaction runs too.
		// The directory only: a bucket would add an S3Proxy start and a few seconds to every build.
		List<String> tables = Benchmark.runForTest(Map.of("size-mb", "4", "runs", "1", "dir", this.temp.toString(),
				"only", "day", "day-hours", "0.01", "day-stores", "local"));
		assertThat(tables).hasSize(1);
		assertThat(tables.get(0)).contains("| figure | local directory |", "| 36; 0; ", "**latest / plain restore**",
				"`integrity_check` latest / plain | ok / ok |", "latest / plain | yes / yes |")
			.doesNotContain("NaN", "Infinity", "**NO**");
	}

	@Test
	void textDataPrintsTheCodecTableAndCompresses() throws Exception {
		List<String> tables = Benchmark.runForTest(Map.of("size-mb", "4", "runs", "1", "dir", this.temp.toString(),
				"data", "text", "only", "codecs"));
		assertThat(tables).hasSize(1);
		assertThat(tables.get(0)).contains("Compression and encryption, text/JSON rows", "| gzip |",
				"| zstd + AES-256-GCM |")
			.doesNotContain("NaN", "Infinity");
		Matcher zstd = Pattern.compile("\\| zstd \\| ([0-9.]+) %").matcher(tables.get(0));
		assertThat(zstd.find()).isTrue();
		assertThat(Double.parseDouble(zstd.group(1))).isLessThan(50.0);
	}

	@Test
	void textDataIsTheSameEveryTime() throws Exception {
		Path first = DatabaseGenerator.generated(this.temp.resolve("first"), DatabaseGenerator.Profile.TEXT, 4 << 20);
		Path second = DatabaseGenerator.generated(this.temp.resolve("second"), DatabaseGenerator.Profile.TEXT, 4 << 20);
		assertThat(first.getFileName()).hasToString("generated-text-v" + TextDatabaseGenerator.VERSION + "-4194304.db");
		assertThat(Files.mismatch(first, second)).isEqualTo(-1L);
	}

}
