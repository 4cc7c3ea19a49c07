package dev.sqlitebackup.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the executable jar that {@code mvn package} made with {@code java -jar} on the JDK running
 * the build, as an operator would, and reads what it prints. On JDK 24 and later sqlite-jdbc's
 * native library loading makes the JVM warn about a restricted method unless the jar's manifest
 * grants native access; the sample's does, and this checks that the warning stays away.
 */
class ExecutableJarIT {

	private static final Pattern PORT = Pattern.compile("Tomcat started on port (\\d+)");

	@TempDir
	Path temp;

	@Test
	void startsTakesABackupAndPrintsNoWarning() throws Exception {
		Path jar = Path.of(System.getProperty("sample.jar", "target/sample-app.jar"));
		assertThat(jar).isRegularFile();
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process process = new ProcessBuilder(java.toString(), "-jar", jar.toAbsolutePath().toString(),
				"--server.port=0", "--spring.datasource.url=jdbc:sqlite:" + this.temp.resolve("db/notes.db"),
				"--sqlite.backup.directory=" + this.temp.resolve("backups"), "--sqlite.backup.schedule.enabled=false")
			.directory(this.temp.toFile())
			.redirectErrorStream(true)
			.start();
		List<String> output = new CopyOnWriteArrayList<>();
		CountDownLatch started = new CountDownLatch(1);
		Thread reader = new Thread(() -> read(process, output, started), "sample-jar-output");
		reader.setDaemon(true);
		reader.start();
		try {
			assertThat(started.await(90, TimeUnit.SECONDS)).as("started within 90 s; printed:%n%s", output).isTrue();
			assertThat(process.isAlive()).as("still running; printed:%n%s", output).isTrue();
			int port = output.stream()
				.map(PORT::matcher)
				.filter(Matcher::find)
				.mapToInt((matcher) -> Integer.parseInt(matcher.group(1)))
				.findFirst()
				.orElseThrow();
			HttpSession.Response backup = new HttpSession(port).post("/actuator/sqlitebackup/dataSource",
					"{\"action\":\"backup\"}");
			assertThat(backup.status()).as(backup.toString()).isEqualTo(200);
			try (Stream<Path> backups = Files.list(this.temp.resolve("backups/dataSource"))) {
				assertThat(backups).isNotEmpty();
			}
		}
		finally {
			process.destroy();
			if (!process.waitFor(30, TimeUnit.SECONDS)) {
				process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
			reader.join(TimeUnit.SECONDS.toMillis(5));
		}
		assertThat(output).as("printed on Java %s", Runtime.version())
			.noneMatch((line) -> line.startsWith("WARNING:"))
			.noneMatch((line) -> line.contains("restricted method"));
	}

	private static void read(Process process, List<String> output, CountDownLatch started) {
		try (BufferedReader lines = new BufferedReader(
				new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = lines.readLine()) != null) {
				output.add(line);
				if (line.contains("Started SampleApplication")) {
					started.countDown();
				}
			}
		}
		catch (IOException ex) {
			output.add("(reading the output failed: " + ex + ")");
		}
		finally {
			started.countDown();
		}
	}

}
