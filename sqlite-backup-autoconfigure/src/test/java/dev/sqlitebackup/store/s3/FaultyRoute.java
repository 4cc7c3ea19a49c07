package dev.sqlitebackup.store.s3;

import java.net.URI;
import java.time.Duration;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.http.Response;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

/**
 * A fault-injecting proxy between a client and a real S3 server (WireMock in front of S3Proxy):
 * every request goes through untouched, except those a test tells it to spoil. A spoiled request
 * either never reaches the server (a reset, an empty or garbled answer in its place) or reaches it
 * and has its answer slowed, dribbled or lost on the way back.
 * <p>
 * Requests are picked by method and a regular expression over the path and query, such as
 * {@code .*\.manifest} or {@code /bucket\?list-type=2.*}. Signatures stay valid because the proxy
 * keeps the client's {@code Host} header.
 */
public final class FaultyRoute implements AutoCloseable {

	private static final String LOSE_ANSWER = "lose-answer";

	private static final int SPOILED = 1;

	private static final int PASS_THROUGH = 1000;

	private final WireMockServer wireMock;

	private final URI target;

	private FaultyRoute(WireMockServer wireMock, URI target) {
		this.wireMock = wireMock;
		this.target = target;
	}

	/** Starts a proxy on a free loopback port that passes everything to {@code target}. */
	public static FaultyRoute to(URI target) {
		WireMockServer wireMock = new WireMockServer(WireMockConfiguration.options()
			.bindAddress("127.0.0.1")
			.dynamicPort()
			.preserveHostHeader(true)
			.gzipDisabled(true)
			.maxRequestJournalEntries(10_000)
			.containerThreads(32)
			.extensions(new LoseAnswer()));
		wireMock.start();
		FaultyRoute route = new FaultyRoute(wireMock, target);
		route.heal();
		return route;
	}

	/** Where clients connect. */
	public URI endpoint() {
		return URI.create("http://127.0.0.1:" + this.wireMock.port());
	}

	/** Passes every request through again, and forgets what was counted. */
	public void heal() {
		this.wireMock.resetAll();
		this.wireMock.stubFor(WireMock.any(WireMock.anyUrl()).atPriority(PASS_THROUGH).willReturn(proxied()));
	}

	/** Answers matching requests from the server, one chunk at a time, over {@code total}. */
	public void dribble(String method, String pathAndQuery, Duration total) {
		spoil(method, pathAndQuery, proxied().withChunkedDribbleDelay(20, (int) total.toMillis()));
	}

	/** Answers matching requests from the server after a fixed delay. */
	public void delay(String method, String pathAndQuery, Duration delay) {
		spoil(method, pathAndQuery, proxied().withFixedDelay((int) delay.toMillis()));
	}

	/** Answers matching requests with a fault instead; they never reach the server. */
	public void fail(String method, String pathAndQuery, Fault fault) {
		spoil(method, pathAndQuery, WireMock.aResponse().withFault(fault));
	}

	/** Answers the next {@code times} matching requests with a fault instead, then passes them through. */
	public void failTimes(String method, String pathAndQuery, Fault fault, int times) {
		String scenario = method + " " + pathAndQuery + " " + fault;
		for (int i = 0; i < times; i++) {
			this.wireMock.stubFor(request(method, pathAndQuery).atPriority(SPOILED)
				.inScenario(scenario)
				.whenScenarioStateIs((i == 0) ? Scenario.STARTED : "failed " + i)
				.willSetStateTo("failed " + (i + 1))
				.willReturn(WireMock.aResponse().withFault(fault)));
		}
	}

	/** Answers matching requests with this status and body instead; they never reach the server. */
	public void answer(String method, String pathAndQuery, int status, String body) {
		spoil(method, pathAndQuery, WireMock.aResponse().withStatus(status).withBody(body));
	}

	/** Passes matching requests to the server, then resets the connection instead of answering. */
	public void loseAnswers(String method, String pathAndQuery) {
		spoil(method, pathAndQuery, proxied().withTransformers(LOSE_ANSWER));
	}

	/** How many matching requests reached the proxy since it was last healed. */
	public int count(String method, String pathAndQuery) {
		return this.wireMock
			.countRequestsMatching(RequestPatternBuilder
				.newRequestPattern(RequestMethod.fromString(method), WireMock.urlMatching(pathAndQuery))
				.build())
			.getCount();
	}

	private void spoil(String method, String pathAndQuery, ResponseDefinitionBuilder response) {
		this.wireMock.stubFor(request(method, pathAndQuery).atPriority(SPOILED).willReturn(response));
	}

	private static MappingBuilder request(String method, String pathAndQuery) {
		return WireMock.request(method, WireMock.urlMatching(pathAndQuery));
	}

	private ResponseDefinitionBuilder proxied() {
		return WireMock.aResponse().proxiedFrom(this.target.toString());
	}

	@Override
	public void close() {
		this.wireMock.stop();
	}

	/** Drops the server's answer: the request had its effect, the client never learns it. */
	private static final class LoseAnswer implements ResponseTransformerV2 {

		@Override
		public Response transform(Response response, ServeEvent serveEvent) {
			return Response.Builder.like(response).fault(Fault.CONNECTION_RESET_BY_PEER).build();
		}

		@Override
		public boolean applyGlobally() {
			return false;
		}

		@Override
		public String getName() {
			return LOSE_ANSWER;
		}

	}

}
