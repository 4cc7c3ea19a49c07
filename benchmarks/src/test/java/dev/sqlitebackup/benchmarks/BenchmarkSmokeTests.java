package dev.sqlitebackup.benchmarks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark at a few MB: every part runs and prints its table. Nothing here is timed. */
class BenchmarkSmokeTests {

	@TempDir
	Path temp;

	@Test
	void smallRunPrintsEveryTable() throws Exception {
		List<String> tables = Benchmark.runForTest(Map.of("size-mb", "4", "runs", "1", "dir", this.temp.toString(),
				"idle-ms", "400", "quick", "true"));
		assertThat(tables).hasSize(3);
		assertThat(String.join("\n", tables)).contains("| WAL | copy phase", "whole restore", "separate process",
				"engine default: via memory").doesNotContain("NaN", "FAILED");
	}

}
