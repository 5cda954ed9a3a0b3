package io.trellis.configserver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A real HTTP client for the control plane's API on a real port, reading JSON answers as trees. */
public final class ControlPlaneClient {

	private static final JsonMapper json = JsonMapper.builder().build();

	// One client for the whole test run: the JDK client (Java 17) cannot be closed, and each
	// instance keeps a selector thread until it is garbage collected.
	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final String base;

	public ControlPlaneClient(int port) {
		this.base = "http://127.0.0.1:" + port;
	}

	public Response get(String path) {
		return send(request(path).GET().build());
	}

	public Response put(String path, String body) {
		return send(request(path).PUT(BodyPublishers.ofString(body)).header("Content-Type", "application/json").build());
	}

	public Response post(String path, String body) {
		return send(request(path).POST(BodyPublishers.ofString(body)).header("Content-Type", "application/json").build());
	}

	public Response postForm(String path, String body) {
		return send(request(path).POST(BodyPublishers.ofString(body))
			.header("Content-Type", "application/x-www-form-urlencoded")
			.build());
	}

	public Response delete(String path) {
		return send(request(path).DELETE().build());
	}

	/** Sends a POST without waiting for the answer, as a sidecar's long-poll does. */
	public CompletableFuture<Response> postAsync(String path, String body) {
		HttpRequest request = request(path).POST(BodyPublishers.ofString(body))
			.header("Content-Type", "application/json")
			.timeout(Duration.ofSeconds(60))
			.build();
		return http.sendAsync(request, BodyHandlers.ofString())
			.thenApply((response) -> new Response(response.statusCode(), response.body()));
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create(this.base + path)).timeout(Duration.ofSeconds(30));
	}

	private Response send(HttpRequest request) {
		try {
			HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
			return new Response(response.statusCode(), response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/** Status and body of one answer. */
	public record Response(int status, String body) {

		public JsonNode json() {
			return json.readTree(this.body);
		}

		@Override
		public String toString() {
			return this.status + " " + this.body;
		}

	}

}
