package io.trellis.starter.standin;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on a random loopback port standing in for the sidecar's admin listener:
 * {@code /actuator/health} answers {@link #healthStatus(int) a settable status} and
 * {@code /actuator/mesh} {@link #meshDocument(String) a settable document}.
 */
public final class StandInAdminListener implements AutoCloseable {

	/** A sidecar description like the sidecar's own, for a sidecar of service {@code shop}. */
	public static final String SHOP_SIDECAR = """
			{"service":"shop","instance":"shop-1","controlPlane":{"url":"http://127.0.0.1:8888","connected":true},\
			"policies":{"shop":{"version":"v7","state":"ACK"},"orders":{"version":"v3","state":"ACK"}}}""";

	private final HttpServer server;

	private final ExecutorService executor = Executors.newCachedThreadPool();

	private final AtomicInteger healthChecks = new AtomicInteger();

	private volatile int healthStatus = 200;

	private volatile String meshDocument = SHOP_SIDECAR;

	private volatile int meshStatus = 200;

	private StandInAdminListener() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		this.server.createContext("/actuator/health", this::health);
		this.server.createContext("/actuator/mesh", this::mesh);
		this.server.setExecutor(this.executor);
		this.server.start();
	}

	public static StandInAdminListener start() throws IOException {
		return new StandInAdminListener();
	}

	/** A loopback port nothing listens on (it was free a moment ago). */
	public static int unusedPort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

	public int port() {
		return this.server.getAddress().getPort();
	}

	/** How many health checks arrived so far. */
	public int healthChecks() {
		return this.healthChecks.get();
	}

	public StandInAdminListener healthStatus(int status) {
		this.healthStatus = status;
		return this;
	}

	public StandInAdminListener meshDocument(String document) {
		this.meshDocument = document;
		return this;
	}

	public StandInAdminListener meshStatus(int status) {
		this.meshStatus = status;
		return this;
	}

	private void health(HttpExchange exchange) throws IOException {
		this.healthChecks.incrementAndGet();
		int status = this.healthStatus;
		respond(exchange, status, (status == 200) ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
	}

	private void mesh(HttpExchange exchange) throws IOException {
		respond(exchange, this.meshStatus, this.meshDocument);
	}

	private static void respond(HttpExchange exchange, int status, String body) throws IOException {
		try (exchange) {
			exchange.getRequestBody().readAllBytes();
			byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
			exchange.getResponseHeaders().set("Content-Type", "application/json");
			exchange.sendResponseHeaders(status, bytes.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(bytes);
			}
		}
	}

	@Override
	public void close() {
		this.server.stop(0);
		this.executor.shutdownNow();
	}

}
