package dev.sqlitebackup.benchmarks;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A counting forwarder in front of an S3-compatible endpoint, so that the requests a replicator
 * makes can be counted without its cooperation: it accepts connections on loopback, opens one to
 * the endpoint for each, and passes bytes both ways unchanged. Of what the client sends it reads
 * only each request's line and headers, to count the request and to know where its body ends
 * ({@code Content-Length}, which covers {@code aws-chunked} bodies too, or
 * {@code Transfer-Encoding: chunked}); answers are passed through without being read, so that
 * keep-alive, {@code Expect: 100-continue} and streamed bodies work as they would without it.
 * Signatures stay valid: the {@code Host} header the client signed reaches the server unchanged.
 */
final class S3RequestCounter implements AutoCloseable {

	/** What a request was, by the kinds an S3 bill tells apart. */
	enum Kind {

		PUT, GET, LIST, HEAD, DELETE, OTHER;

		/**
		 * The kind of a path-style request: a GET of a bucket rather than of a key is a listing, a
		 * multi-object delete (a POST with {@code ?delete}) a DELETE; POSTs that start or complete a
		 * multipart upload are OTHER, their parts PUTs.
		 */
		static Kind of(String method, String target) {
			String path = target.replaceFirst("^[a-z]+://[^/]*", "");
			int question = path.indexOf('?');
			Set<String> parameters = new HashSet<>();
			if (question >= 0) {
				for (String parameter : path.substring(question + 1).split("&")) {
					parameters.add(parameter.split("=", 2)[0]);
				}
				path = path.substring(0, question);
			}
			String[] bucketAndKey = path.replaceFirst("^/", "").split("/", 2);
			boolean bucketLevel = bucketAndKey.length < 2 || bucketAndKey[1].isEmpty();
			return switch (method) {
				case "GET" -> {
					if (bucketLevel) {
						yield (parameters.isEmpty() || parameters.contains("list-type") || parameters.contains("prefix")
								|| parameters.contains("uploads") || parameters.contains("versions")) ? LIST : OTHER;
					}
					yield parameters.contains("uploadId") ? LIST : GET;
				}
				case "PUT" -> PUT;
				case "HEAD" -> HEAD;
				case "DELETE" -> DELETE;
				case "POST" -> parameters.contains("delete") ? DELETE : OTHER;
				default -> OTHER;
			};
		}

	}

	/** One request: when its headers had arrived (wall-clock microseconds), and its kind. */
	record Request(long micros, Kind kind) {
	}

	private final ServerSocket server;

	private final InetSocketAddress upstream;

	private final List<Request> requests = new ArrayList<>();

	private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

	private volatile boolean closed;

	private S3RequestCounter(ServerSocket server, InetSocketAddress upstream) {
		this.server = server;
		this.upstream = upstream;
	}

	/** Starts forwarding from a new loopback port to the endpoint. */
	static S3RequestCounter start(URI endpoint) throws IOException {
		ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		S3RequestCounter counter = new S3RequestCounter(server,
				new InetSocketAddress(endpoint.getHost(), endpoint.getPort()));
		Thread acceptor = new Thread(counter::accept, "s3-counter-accept");
		acceptor.setDaemon(true);
		acceptor.start();
		return counter;
	}

	/** The endpoint to give the client instead of the server's. */
	URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.server.getLocalPort());
	}

	/** Every request so far. */
	List<Request> requests() {
		synchronized (this.requests) {
			return List.copyOf(this.requests);
		}
	}

	/** Requests whose headers arrived in {@code (fromMicros, toMicros]}, by kind. */
	static Map<Kind, Long> count(List<Request> requests, long fromMicros, long toMicros) {
		Map<Kind, Long> counts = new EnumMap<>(Kind.class);
		for (Kind kind : Kind.values()) {
			counts.put(kind, 0L);
		}
		for (Request request : requests) {
			if (request.micros() > fromMicros && request.micros() <= toMicros) {
				counts.merge(request.kind(), 1L, Long::sum);
			}
		}
		return counts;
	}

	private void accept() {
		while (!this.closed) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				return;
			}
			Thread connection = new Thread(() -> serve(client), "s3-counter-connection");
			connection.setDaemon(true);
			connection.start();
		}
	}

	private void serve(Socket client) {
		Socket upstream = new Socket();
		this.sockets.add(client);
		this.sockets.add(upstream);
		try {
			upstream.connect(this.upstream, 5_000);
			client.setTcpNoDelay(true);
			upstream.setTcpNoDelay(true);
			Thread answers = new Thread(() -> passAnswers(upstream, client), "s3-counter-answers");
			answers.setDaemon(true);
			answers.start();
			try {
				forwardRequests(client.getInputStream(), upstream.getOutputStream());
				// The client is done: the server finishes its last answer and closes in turn.
				upstream.shutdownOutput();
			}
			catch (IOException ex) {
				// Either side went away in the middle of a request: nothing more can be forwarded.
			}
			answers.join(30_000);
		}
		catch (IOException ex) {
			// The server could not be reached: closing the client's connection tells it so.
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			closeQuietly(client);
			closeQuietly(upstream);
			this.sockets.remove(client);
			this.sockets.remove(upstream);
		}
	}

	/** Passes the server's bytes to the client until the server closes, then closes both. */
	private void passAnswers(Socket upstream, Socket client) {
		try {
			upstream.getInputStream().transferTo(client.getOutputStream());
		}
		catch (IOException ex) {
			// Closed from the other side.
		}
		finally {
			closeQuietly(client);
			closeQuietly(upstream);
		}
	}

	private void forwardRequests(InputStream rawInput, OutputStream rawOutput) throws IOException {
		InputStream input = new BufferedInputStream(rawInput, 1 << 16);
		OutputStream output = new BufferedOutputStream(rawOutput, 1 << 16);
		while (true) {
			String requestLine = copyLine(input, output, true);
			if (requestLine == null) {
				return;
			}
			if (requestLine.isEmpty()) {
				continue;
			}
			long contentLength = 0;
			boolean chunked = false;
			String header;
			while (!(header = copyLine(input, output, false)).isEmpty()) {
				int colon = header.indexOf(':');
				if (colon < 0) {
					continue;
				}
				String name = header.substring(0, colon).trim().toLowerCase(Locale.ROOT);
				String value = header.substring(colon + 1).trim();
				if (name.equals("content-length")) {
					contentLength = Long.parseLong(value);
				}
				else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
					chunked = true;
				}
			}
			// Headers go out at once: a client that asked for 100-continue waits for the answer to them.
			output.flush();
			String[] parts = requestLine.split(" ");
			Kind kind = (parts.length >= 2) ? Kind.of(parts[0], parts[1]) : Kind.OTHER;
			synchronized (this.requests) {
				this.requests.add(new Request(ScheduledWriter.nowMicros(), kind));
			}
			if (chunked) {
				copyChunked(input, output);
			}
			else {
				copy(input, output, contentLength);
			}
			output.flush();
		}
	}

	/**
	 * Copies one line, CRLF included, and returns it without its line end; {@code null} when the
	 * input ends before it starts and that is allowed (between requests).
	 */
	private static String copyLine(InputStream input, OutputStream output, boolean mayEnd) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream(128);
		int read;
		while ((read = input.read()) >= 0) {
			output.write(read);
			if (read == '\n') {
				String text = line.toString(StandardCharsets.ISO_8859_1);
				return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
			}
			line.write(read);
		}
		if (mayEnd && line.size() == 0) {
			return null;
		}
		throw new EOFException("connection closed in the middle of a request's head");
	}

	private static void copy(InputStream input, OutputStream output, long length) throws IOException {
		byte[] buffer = new byte[1 << 16];
		long remaining = length;
		while (remaining > 0) {
			int read = input.read(buffer, 0, (int) Math.min(buffer.length, remaining));
			if (read < 0) {
				throw new EOFException("connection closed in the middle of a request's body");
			}
			output.write(buffer, 0, read);
			remaining -= read;
		}
	}

	/** Copies a chunked body: chunks up to the empty one, then the trailer up to its empty line. */
	private static void copyChunked(InputStream input, OutputStream output) throws IOException {
		while (true) {
			String sizeLine = copyLine(input, output, false);
			long size = Long.parseLong(sizeLine.split(";", 2)[0].trim(), 16);
			if (size == 0) {
				while (!copyLine(input, output, false).isEmpty()) {
					// trailer fields
				}
				return;
			}
			copy(input, output, size);
			copyLine(input, output, false);
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// Nothing to do about it.
		}
	}

	@Override
	public void close() {
		this.closed = true;
		try {
			this.server.close();
		}
		catch (IOException ex) {
			// Nothing to do about it.
		}
		for (Socket socket : this.sockets) {
			closeQuietly(socket);
		}
		this.sockets.clear();
	}

}
