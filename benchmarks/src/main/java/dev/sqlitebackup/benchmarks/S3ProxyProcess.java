package dev.sqlitebackup.benchmarks;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An S3-compatible server for the {@code s3} group: S3Proxy run from its own jar as a separate
 * java process, listening on loopback only and keeping objects as files in a directory (its
 * {@code filesystem} provider), so that gigabyte objects never sit in its heap. The build copies the
 * jar and names it in the system property {@code s3proxy.jar}.
 */
final class S3ProxyProcess implements AutoCloseable {

	static final String JAR_PROPERTY = "s3proxy.jar";

	/** The one identity this server accepts; the side-by-side group hands it to Litestream too. */
	static final String ACCESS_KEY = "bench-access-key";

	static final String SECRET_KEY = "bench-secret-key";

	/** Enough for S3Proxy to stream 128 MiB parts through; objects themselves go to disk. */
	private static final String HEAP = "-Xmx512m";

	private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

	private final Process process;

	private final URI endpoint;

	private final Path log;

	private final Path objects;

	private S3ProxyProcess(Process process, URI endpoint, Path log, Path objects) {
		this.process = process;
		this.endpoint = endpoint;
		this.log = log;
		this.objects = objects;
	}

	/**
	 * Starts a server that keeps its configuration, log and objects under {@code directory}, and
	 * waits until it answers.
	 */
	static S3ProxyProcess start(Path directory) throws IOException, InterruptedException {
		String jar = System.getProperty(JAR_PROPERTY);
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException("S3Proxy jar not found (system property " + JAR_PROPERTY + " is " + jar
					+ "); the benchmarks build copies it to target/s3proxy/s3proxy.jar");
		}
		Path objects = Files.createDirectories(directory.resolve("objects"));
		URI endpoint = URI.create("http://127.0.0.1:" + freeLoopbackPort());
		Path properties = directory.resolve("s3proxy.properties");
		Files.write(properties, List.of("s3proxy.endpoint=" + endpoint, "s3proxy.authorization=aws-v2-or-v4",
				"s3proxy.identity=" + ACCESS_KEY, "s3proxy.credential=" + SECRET_KEY, "jclouds.provider=filesystem",
				"jclouds.filesystem.basedir=" + objects, "jclouds.identity=unused", "jclouds.credential=unused"));
		Path log = directory.resolve("s3proxy.log");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		Process process = new ProcessBuilder(java, HEAP, "-jar", jar, "--properties", properties.toString())
			.redirectErrorStream(true)
			.redirectOutput(log.toFile())
			.start();
		S3ProxyProcess server = new S3ProxyProcess(process, endpoint, log, objects);
		server.awaitAnswer();
		return server;
	}

	private void awaitAnswer() throws IOException, InterruptedException {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("S3Proxy exited with " + this.process.exitValue() + "; its log: "
						+ Files.readString(this.log));
			}
			try {
				HttpURLConnection connection = (HttpURLConnection) this.endpoint.toURL().openConnection();
				connection.setConnectTimeout(500);
				connection.getResponseCode(); // without credentials it answers 403: it is up
				connection.disconnect();
				return;
			}
			catch (IOException notYet) {
				Thread.sleep(100);
			}
		}
		close();
		throw new IllegalStateException("S3Proxy did not answer within " + START_TIMEOUT + "; its log: "
				+ Files.readString(this.log));
	}

	private static int freeLoopbackPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	/**
	 * A client like the one the starter builds for an S3-compatible endpoint: path-style, static
	 * credentials, a region only for signing, and the SDK's client over the JDK's
	 * {@code HttpURLConnection} (the only one the starter's dependencies leave it).
	 */
	S3Client client() {
		return client(this.endpoint);
	}

	/** The same client for another endpoint in front of this server, such as {@link S3RequestCounter}. */
	static S3Client client(URI endpoint) {
		return S3Client.builder()
			.endpointOverride(endpoint)
			.region(Region.US_EAST_1)
			.forcePathStyle(true)
			.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
			.httpClient(UrlConnectionHttpClient.create())
			.build();
	}

	/** Where the server listens. */
	URI endpoint() {
		return this.endpoint;
	}

	/** The folder of a bucket's objects, one file per object, with a folder per {@code /} in the keys. */
	Path bucketDirectory(String bucket) {
		return this.objects.resolve(bucket);
	}

	@Override
	public void close() {
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
	}

}
