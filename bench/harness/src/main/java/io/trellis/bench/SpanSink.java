package io.trellis.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A stand-in for Zipkin's span API on loopback, for S10: it answers 202 to every
 * {@code POST /api/v2/spans} and counts the spans (elements of the JSON v2 array) it received,
 * so the benchmark shows the sidecar really exported what it traced. It keeps nothing else.
 */
final class SpanSink implements AutoCloseable {

	static final String PATH = "/api/v2/spans";

	private final ExecutorService executor = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "bench-span-sink");
		thread.setDaemon(true);
		return thread;
	});

	private final AtomicLong spans = new AtomicLong();

	private final AtomicLong posts = new AtomicLong();

	private final AtomicLong malformed = new AtomicLong();

	private final HttpServer server;

	SpanSink() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
		this.server.createContext(PATH, this::handle);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	int port() {
		return this.server.getAddress().getPort();
	}

	/** The endpoint to give the sidecar as {@code mesh.proxy.tracing.zipkin-endpoint}. */
	String endpoint() {
		return "http://127.0.0.1:" + port() + PATH;
	}

	/** Spans received since the start. */
	long spans() {
		return this.spans.get();
	}

	/** POSTs received since the start (the sidecar batches spans, about one message a second). */
	long posts() {
		return this.posts.get();
	}

	/** Bodies that were not a JSON array of span objects. */
	long malformed() {
		return this.malformed.get();
	}

	private void handle(HttpExchange exchange) throws IOException {
		try (exchange) {
			if (!"POST".equals(exchange.getRequestMethod())) {
				exchange.sendResponseHeaders(405, -1);
				return;
			}
			this.posts.incrementAndGet();
			try (InputStream body = exchange.getRequestBody()) {
				this.spans.addAndGet(count(body));
			}
			catch (RuntimeException ex) {
				this.malformed.incrementAndGet();
			}
			exchange.sendResponseHeaders(202, -1);
		}
	}

	/** The objects at the top level of a JSON array, read as a stream (nothing is kept). */
	private static long count(InputStream body) {
		try (JsonParser parser = Http.JSON.createParser(body)) {
			if (parser.nextToken() != JsonToken.START_ARRAY) {
				throw new IllegalArgumentException("not a JSON array");
			}
			long count = 0;
			for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
				if (token == null) {
					throw new IllegalArgumentException("truncated JSON array");
				}
				if (token == JsonToken.START_OBJECT) {
					count++;
				}
				parser.skipChildren();
			}
			return count;
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

}
