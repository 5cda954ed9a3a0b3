package io.trellis.starter.standin;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a random loopback port that records every request and answers 200
 * with {@link #BODY}: stands in for the sidecar's outbound listener, or for a plain upstream
 * that a call bypassing the mesh reaches directly.
 */
public final class StandInOutboundListener implements AutoCloseable {

	/** What every request gets back. */
	public static final String BODY = "answered by stand-in";

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final BlockingQueue<RecordedRequest> requests = new LinkedBlockingQueue<>();

	private StandInOutboundListener() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/", this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	public static StandInOutboundListener start() throws IOException {
		return new StandInOutboundListener();
	}

	public int port() {
		return this.server.getAddress().getPort();
	}

	/** The next request received, waiting up to 5 s for it. */
	public RecordedRequest takeRequest() throws InterruptedException {
		RecordedRequest request = this.requests.poll(5, TimeUnit.SECONDS);
		if (request == null) {
			throw new AssertionError("No request reached the stand-in on port " + port());
		}
		return request;
	}

	/** Whether no request has arrived that was not taken yet. */
	public boolean receivedNothing() {
		return this.requests.isEmpty();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			byte[] body;
			try (InputStream in = exchange.getRequestBody()) {
				body = in.readAllBytes();
			}
			Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
			headers.putAll(exchange.getRequestHeaders());
			this.requests.add(new RecordedRequest(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
					headers, new String(body, StandardCharsets.UTF_8)));
			byte[] response = BODY.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "text/plain");
			exchange.sendResponseHeaders(200, response.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(response);
			}
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

	/**
	 * One request as it arrived.
	 *
	 * @param method the method
	 * @param target the request target: path and query as sent
	 * @param headers the headers, by case-insensitive name
	 * @param body the body
	 */
	public record RecordedRequest(String method, String target, Map<String, List<String>> headers, String body) {

		/** The first value of header {@code name}, or {@code null}. */
		public String header(String name) {
			List<String> values = this.headers.get(name);
			return (values != null && !values.isEmpty()) ? values.get(0) : null;
		}

	}

}
