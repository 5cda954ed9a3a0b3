package io.trellis.starter.sidecar;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Reads the local sidecar's admin listener ({@code /actuator/health}, {@code /actuator/mesh})
 * with the JDK {@code HttpClient} and short timeouts, so that a missing or hung sidecar costs
 * a caller about a second, never a hang. Blocking: call it from the startup thread or a
 * worker thread, never from an event loop.
 */
public class SidecarAdminClient {

	/** Path of the sidecar's health endpoint; 200 means ready. */
	public static final String HEALTH_PATH = "/actuator/health";

	/** Path of the sidecar's description of itself. */
	public static final String MESH_PATH = "/actuator/mesh";

	/** Default connect timeout: the sidecar is on loopback, so connecting is immediate or refused. */
	public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofMillis(500);

	/** Default time allowed for a whole request. */
	public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(1);

	private final URI baseUri;

	private final Duration requestTimeout;

	private final HttpClient httpClient;

	public SidecarAdminClient(String address, int adminPort) {
		this(address, adminPort, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
	}

	public SidecarAdminClient(String address, int adminPort, Duration connectTimeout, Duration requestTimeout) {
		String host = (address.indexOf(':') >= 0 && !address.startsWith("[")) ? "[" + address + "]" : address;
		this.baseUri = URI.create("http://" + host + ":" + adminPort);
		this.requestTimeout = requestTimeout;
		// HTTP/1.1 so the client does not try an h2c upgrade on a plain-text connection; no
		// proxy so that JVM-wide proxy settings never route loopback admin calls elsewhere.
		this.httpClient = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(connectTimeout)
			.proxy(HttpClient.Builder.NO_PROXY)
			.followRedirects(HttpClient.Redirect.NEVER)
			.build();
	}

	/** The admin listener's base URI, such as {@code http://127.0.0.1:15000}. */
	public URI baseUri() {
		return this.baseUri;
	}

	/** Asks the sidecar's health endpoint whether it is ready. */
	public Probe health() {
		return health(this.requestTimeout);
	}

	/** Asks the sidecar's health endpoint whether it is ready, waiting at most {@code timeout}. */
	public Probe health(Duration timeout) {
		Response response = get(HEALTH_PATH, timeout);
		if (response.status() == 200) {
			return new Probe(true, null);
		}
		String problem = (response.error() != null) ? response.error() : "HTTP " + response.status();
		return new Probe(false, problem);
	}

	/** Reads the sidecar's description of itself. */
	public Response mesh() {
		return get(MESH_PATH, this.requestTimeout);
	}

	/** Sends {@code GET path}; never throws for I/O problems, which are reported in the response. */
	public Response get(String path, Duration timeout) {
		HttpRequest request = HttpRequest.newBuilder(this.baseUri.resolve(path))
			.timeout(timeout)
			.header("Accept", "application/json")
			.GET()
			.build();
		try {
			HttpResponse<String> response = this.httpClient.send(request,
					HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
			return new Response(response.statusCode(), response.body(), null);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return new Response(0, null, "interrupted");
		}
		catch (IOException ex) {
			return new Response(0, null, describe(ex));
		}
	}

	private static String describe(IOException ex) {
		if (ex instanceof ConnectException) {
			return "connection refused";
		}
		if (ex instanceof HttpTimeoutException) {
			return "timed out";
		}
		return (ex.getMessage() != null) ? ex.getClass().getSimpleName() + ": " + ex.getMessage()
				: ex.getClass().getSimpleName();
	}

	/**
	 * The outcome of one health check.
	 *
	 * @param healthy whether the sidecar answered 200
	 * @param problem why it is not healthy: the HTTP status or the connection error
	 */
	public record Probe(boolean healthy, @Nullable String problem) {

	}

	/**
	 * The outcome of one admin request.
	 *
	 * @param status the HTTP status, or 0 when no response arrived
	 * @param body the response body, when a response arrived
	 * @param error why no response arrived
	 */
	public record Response(int status, @Nullable String body, @Nullable String error) {

		/** Whether the sidecar answered at all. */
		public boolean answered() {
			return this.status != 0;
		}

	}

}
