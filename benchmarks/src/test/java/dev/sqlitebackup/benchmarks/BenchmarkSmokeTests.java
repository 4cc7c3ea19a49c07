package dev.sqlitebackup.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark at a few MB: every part runs and prints its table (the S3 group against its own
 * S3Proxy process). Nothing here is timed.
 */
class BenchmarkSmokeTests {

	@TempDir
	Path temp;

	@Test
	void smallRunPrintsEveryTable() throws Exception {
		List<String> tables = Benchmark.runForTest(Map.of("size-mb", "4", "runs", "1", "dir", this.temp.toString(),
				"idle-ms", "400", "quick", "true"));
		assertThat(tables).hasSize(5);
		assertThat(String.join("\n", tables)).contains("| WAL | copy phase", "whole restore", "separate process",
				"engine default: via memory", "| gzip |", "| zstd + AES-256-GCM |", "whole backup into S3")
			.doesNotContain("NaN", "Infinity", "FAILED");
	}

}
