package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-compatible server for tests: S3Proxy with in-memory storage, run as its own java
 * process from the jar that the build copies out of Maven Central, listening on loopback only.
 */
public final class S3ProxyServer implements AutoCloseable {

	public static final String ACCESS_KEY = "test-access-key";

	public static final String SECRET_KEY = "test-secret-key";

	private final Process process;

	private final URI endpoint;

	private final Path logFile;

	private final Path workDirectory;

	private final String provider;

	private S3ProxyServer(Process process, URI endpoint, Path logFile, Path workDirectory, String provider) {
		this.process = process;
		this.endpoint = endpoint;
		this.logFile = logFile;
		this.workDirectory = workDirectory;
		this.provider = provider;
	}

	/** Starts a server that keeps its buckets in memory and waits until it answers. */
	public static S3ProxyServer start(Path workDirectory) throws IOException, InterruptedException {
		return start(workDirectory, freePort(), "jclouds.provider=transient-nio2");
	}

	/**
	 * Starts a server that keeps its buckets in files under the work directory, so that a server
	 * started again there, on the same port ({@link #restart}), finds them.
	 */
	public static S3ProxyServer startOnDisk(Path workDirectory) throws IOException, InterruptedException {
		Path data = Files.createDirectories(workDirectory.resolve("buckets"));
		return start(workDirectory, freePort(), "jclouds.provider=filesystem\njclouds.filesystem.basedir=" + data);
	}

	/** Stops this server and starts it again on the same port and buckets; a bucket in memory is lost. */
	public S3ProxyServer restart() throws IOException, InterruptedException {
		close();
		return start(this.workDirectory, this.endpoint.getPort(), this.provider);
	}

	private static S3ProxyServer start(Path workDirectory, int port, String provider)
			throws IOException, InterruptedException {
		String jar = System.getProperty("s3proxy.jar");
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException("S3Proxy jar not found at " + jar
					+ "; the build copies it (maven-dependency-plugin, execution s3proxy-for-tests)");
		}
		URI endpoint = URI.create("http://127.0.0.1:" + port);
		Path config = workDirectory.resolve("s3proxy.conf");
		Files.writeString(config, String.join("\n", "s3proxy.endpoint=" + endpoint,
				"s3proxy.authorization=aws-v2-or-v4", "s3proxy.identity=" + ACCESS_KEY,
				"s3proxy.credential=" + SECRET_KEY, provider, "jclouds.identity=unused",
				"jclouds.credential=unused", ""));
		Path log = workDirectory.resolve("s3proxy.log");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", jar, "--properties", config.toString()))
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
		S3ProxyServer server = new S3ProxyServer(process, endpoint, log, workDirectory, provider);
		server.awaitReady(Duration.ofSeconds(60));
		return server;
	}

	private void awaitReady(Duration timeout) throws IOException, InterruptedException {
		Instant deadline = Instant.now().plus(timeout);
		while (Instant.now().isBefore(deadline)) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("S3Proxy exited: " + Files.readString(this.logFile));
			}
			try {
				HttpURLConnection connection = (HttpURLConnection) this.endpoint.toURL().openConnection();
				connection.setConnectTimeout(500);
				connection.getResponseCode(); // any answer (403 without credentials) means it is up
				connection.disconnect();
				return;
			}
			catch (IOException ex) {
				Thread.sleep(100);
			}
		}
		close();
		throw new IllegalStateException("S3Proxy did not start within " + timeout + ": " + Files.readString(this.logFile));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	public URI endpoint() {
		return this.endpoint;
	}

	/** A client for this server with the given credentials. */
	public S3Client client(String accessKey, String secretKey) {
		return client(this.endpoint, accessKey, secretKey);
	}

	/** A client for a server started by another process, with the test credentials. */
	public static S3Client client(URI endpoint) {
		return client(endpoint, ACCESS_KEY, SECRET_KEY);
	}

	private static S3Client client(URI endpoint, String accessKey, String secretKey) {
		return S3Client.builder()
			.endpointOverride(endpoint)
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
			.httpClient(UrlConnectionHttpClient.create())
			.build();
	}

	public S3Client client() {
		return client(ACCESS_KEY, SECRET_KEY);
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

}
