package dev.sqlitebackup.sample;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Plain HTTP calls against the running sample, so that tests see exactly what curl would. */
final class HttpSession {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String baseUrl;

	HttpSession(int port) {
		this.baseUrl = "http://localhost:" + port;
	}

	Response get(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.baseUrl + path)).GET());
	}

	Response post(String path, String body) {
		return send(HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(body)));
	}

	Response delete(String path) {
		return send(HttpRequest.newBuilder(URI.create(this.baseUrl + path)).DELETE());
	}

	/**
	 * Sends exactly what it is given: the path goes out as written (percent-escapes, {@code ..}
	 * and all) and the body as raw bytes, with a content type only when one is given.
	 */
	Response send(String method, String path, @Nullable String contentType, byte[] body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.method(method, (body.length > 0) ? HttpRequest.BodyPublishers.ofByteArray(body)
					: HttpRequest.BodyPublishers.noBody());
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		return send(request);
	}

	private Response send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = this.client.send(request.timeout(Duration.ofSeconds(60)).build(),
					HttpResponse.BodyHandlers.ofString());
			String body = response.body();
			JsonNode node = (body == null || body.isBlank()) ? json.missingNode() : parse(body);
			return new Response(response.statusCode(), node, body);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	// Errors raised before Spring sees the request (by Tomcat, say) need not be JSON; the raw body
	// is still there for the assertions.
	private static JsonNode parse(String body) {
		try {
			return json.readTree(body);
		}
		catch (JacksonException ex) {
			return json.missingNode();
		}
	}

	/**
	 * An answer.
	 *
	 * @param status HTTP status
	 * @param json parsed body (a missing node when there is none)
	 * @param body raw body
	 */
	record Response(int status, JsonNode json, String body) {

		@Override
		public String toString() {
			return this.status + " " + this.body;
		}

	}

}
