package io.trellis.e2e.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client for the tests (Reactor Netty), which unlike the JDK client may set
 * {@code Host}. Calls block the test thread with a timeout.
 */
public final class HttpCall {

	public static final JsonMapper JSON = JsonMapper.builder().build();

	private static final HttpClient CLIENT = HttpClient.create(ConnectionProvider.builder("e2e")
		.maxConnections(64)
		.maxIdleTime(Duration.ofSeconds(5))
		.build()).responseTimeout(Duration.ofSeconds(20));

	private HttpCall() {
	}

	/** GET {@code url} with the given headers. */
	public static Response get(String url, Map<String, String> headers) {
		return call(HttpMethod.GET, url, headers, null);
	}

	public static Response get(String url) {
		return get(url, Map.of());
	}

	public static Response call(HttpMethod method, String url, Map<String, String> headers, String body) {
		return CLIENT.headers((h) -> headers.forEach(h::set))
			.request(method)
			.uri(url)
			.send((request, out) -> (body != null) ? out.sendString(Mono.just(body)) : out)
			.responseSingle((response, content) -> content.asString().defaultIfEmpty("").map((text) -> {
				Map<String, String> responseHeaders = new LinkedHashMap<>();
				response.responseHeaders().forEach((e) -> responseHeaders.put(e.getKey().toLowerCase(), e.getValue()));
				return new Response(response.status().code(), responseHeaders, text);
			}))
			.block(Duration.ofSeconds(30));
	}

	/**
	 * @param status the status code
	 * @param headers response headers, names in lower case
	 * @param body the body as text
	 */
	public record Response(int status, Map<String, String> headers, String body) {

		public JsonNode json() {
			return JSON.readTree(this.body);
		}

		public String header(String name) {
			return this.headers.get(name.toLowerCase());
		}

	}

}
