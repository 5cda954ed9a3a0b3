package io.trellis.gateway.telemetry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.trellis.core.telemetry.LatencyBuckets;
import io.trellis.gateway.SidecarApplication;
import io.trellis.gateway.controlplane.StateStore;
import io.trellis.gateway.server.InboundServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static io.trellis.gateway.test.SidecarFixtures.endpoint;
import static io.trellis.gateway.test.SidecarFixtures.freePort;
import static io.trellis.gateway.test.SidecarFixtures.source;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the sidecar tells about the requests it carries, on real ports: the golden request
 * metrics on its Prometheus endpoint, the traffic reports it sends the control plane (here a
 * Reactor Netty server that takes only those), the JSON access log and live taps.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TelemetryTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final List<String> reports = new CopyOnWriteArrayList<>();

	private DisposableServer app;

	private DisposableServer orders;

	private DisposableServer controlPlane;

	private ConfigurableApplicationContext sidecar;

	private int outbound;

	private int inbound;

	private int admin;

	private Path accessLog;

	@BeforeAll
	void start(@TempDir Path dir) throws IOException {
		this.app = echo(200);
		this.orders = echo(200);
		DisposableServer failing = echo(503);
		this.controlPlane = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> {
			if (request.uri().equals("/mesh/v1/traffic")) {
				return request.receive().aggregate().asString().doOnNext(this.reports::add)
					.then(response.status(204).send());
			}
			return response.status(503).send();
		}).bindNow();
		Path stateFile = dir.resolve("state.json");
		this.accessLog = dir.resolve("logs/access.log");
		new StateStore(stateFile, JSON).save(new StateStore.State(StateStore.FORMAT, "frontend", Instant.now(), Map.of(
				"orders", new StateStore.ServiceState("orders-1", List.of(source("orders.yml", """
						mesh.policy.subsets.v1.version=v1
						mesh.policy.routes[0].name=items
						mesh.policy.routes[0].match.path.prefix=/items
						mesh.policy.routes[0].to[0].subset=v1
						""")), 2, List.of(endpoint("o1", this.orders.port(), "v1"))),
				"broken", new StateStore.ServiceState("broken-1", List.of(), 1,
						List.of(endpoint("b1", failing.port(), "v1"))))));
		this.admin = freePort();
		this.sidecar = new SpringApplicationBuilder(SidecarApplication.class).run("--mesh.proxy.service=frontend",
				"--mesh.proxy.app.port=" + this.app.port(), "--mesh.proxy.app.readiness-path=/ready",
				"--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0", "--mesh.proxy.admin.port=" + this.admin,
				"--mesh.proxy.state-file=" + stateFile,
				"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + this.controlPlane.port(),
				"--mesh.proxy.control-plane.request-timeout=1s", "--mesh.proxy.telemetry.report-interval=300ms",
				"--mesh.proxy.access-log.enabled=true", "--mesh.proxy.access-log.path=" + this.accessLog,
				"--mesh.proxy.tap.max-taps=2", "--mesh.proxy.tap.buffer=5");
		this.outbound = ((WebServerApplicationContext) this.sidecar).getWebServer().getPort();
		this.inbound = this.sidecar.getBean(InboundServer.class).getPort();
		this.failing = failing;
	}

	private DisposableServer failing;

	@AfterAll
	void stop() {
		if (this.sidecar != null) {
			this.sidecar.close();
		}
		for (DisposableServer server : new DisposableServer[] { this.app, this.orders, this.failing, this.controlPlane }) {
			if (server != null) {
				server.disposeNow();
			}
		}
	}

	@Test
	void requestsAreCountedAndTimedByDirectionSourceDestinationRouteSubsetAndStatusClass() throws Exception {
		String[] items = { "direction=\"outbound\"", "destination=\"orders\"", "route=\"items\"", "subset=\"v1\"",
				"source=\"frontend\"", "status_class=\"2xx\"" };
		String[] other = { "direction=\"outbound\"", "destination=\"orders\"", "route=\"default\"",
				"subset=\"all\"", "status_class=\"2xx\"" };
		String[] broken = { "destination=\"broken\"", "route=\"default\"", "status_class=\"5xx\"" };
		String[] inbound = { "direction=\"inbound\"", "source=\"catalog\"", "destination=\"frontend\"",
				"route=\"inbound\"", "status_class=\"2xx\"" };
		String[] nowhere = { "destination=\"nowhere\"", "route=\"none\"", "status_class=\"5xx\"" };
		String before = get(this.admin, "/actuator/prometheus", Map.of()).body();
		for (int i = 0; i < 3; i++) {
			assertThat(get(this.outbound, "/items/1", Map.of("Host", "orders")).statusCode()).isEqualTo(200);
			assertThat(get(this.outbound, "/other", Map.of("Host", "orders")).statusCode()).isEqualTo(200);
			assertThat(get(this.outbound, "/", Map.of("Host", "broken")).statusCode()).isEqualTo(503);
			assertThat(get(this.inbound, "/hello", Map.of("Host", "frontend", "x-trellis-source", "catalog")).statusCode())
				.isEqualTo(200);
		}
		// The mesh's own answer (no policy, no endpoints known) counts too, with its status.
		assertThat(get(this.outbound, "/", Map.of("Host", "nowhere")).statusCode()).isEqualTo(503);
		String scrape = get(this.admin, "/actuator/prometheus", Map.of()).body();
		assertThat(count(scrape, items) - count(before, items)).isEqualTo(3);
		assertThat(count(scrape, other) - count(before, other)).isEqualTo(3);
		assertThat(count(scrape, broken) - count(before, broken)).isEqualTo(3);
		assertThat(count(scrape, inbound) - count(before, inbound)).isEqualTo(3);
		assertThat(count(scrape, nowhere) - count(before, nowhere)).isEqualTo(1);
		// Histogram buckets, the same bounds as the control plane's reports.
		assertThat(scrape).contains("trellis_requests_seconds_bucket{destination=\"orders\",direction=\"outbound\","
				+ "route=\"items\",source=\"frontend\",status_class=\"2xx\",subset=\"v1\",le=\"0.001\"}");
		assertThat(scrape).containsPattern("trellis_requests_seconds_bucket\\{[^}]*route=\"items\"[^}]*le=\"10.0\"\\} "
				+ count(scrape, items));
		assertThat(LatencyBuckets.bounds()).hasSize(LatencyBuckets.COUNT - 1);
	}

	@Test
	void openConnectionsAreCountedPerListener() throws Exception {
		ListenerConnections connections = this.sidecar.getBean(ListenerConnections.class);
		int inboundBefore = connections.open(true);
		int outboundBefore = connections.open(false);
		try (Socket first = new Socket("127.0.0.1", this.inbound); Socket second = new Socket("127.0.0.1", this.inbound);
				Socket third = new Socket("127.0.0.1", this.outbound)) {
			await("connections counted").atMost(Duration.ofSeconds(5))
				.until(() -> connections.open(true) == inboundBefore + 2 && connections.open(false) == outboundBefore + 1);
			String scrape = get(this.admin, "/actuator/prometheus", Map.of()).body();
			assertThat(metric(scrape, "trellis_connections_open{listener=\"inbound\"}")).isEqualTo(inboundBefore + 2);
		}
		await("closed connections no longer counted").atMost(Duration.ofSeconds(5))
			.until(() -> connections.open(true) == inboundBefore && connections.open(false) == outboundBefore);
	}

	@Test
	void callerNamesAreBoundedAndCheckedBeforeTheyBecomeTags() throws Exception {
		get(this.inbound, "/hello", Map.of("Host", "frontend", "x-trellis-source", "Not A Service\"}"));
		String scrape = get(this.admin, "/actuator/prometheus", Map.of()).body();
		assertThat(scrape).doesNotContain("Not A Service");
		assertThat(count(scrape, "direction=\"inbound\"", "source=\"unknown\"")).isGreaterThanOrEqualTo(1);
	}

	@Test
	void trafficReportsCarryEachEdgesRequestsFailuresAndLatencyBuckets() throws Exception {
		for (int i = 0; i < 4; i++) {
			get(this.outbound, "/", Map.of("Host", "broken"));
		}
		await("a report with the failures to broken").atMost(Duration.ofSeconds(10)).until(() -> this.reports.stream()
			.map(JSON::readTree)
			.flatMap((report) -> stream(report.get("edges")))
			.anyMatch((edge) -> edge.get("peer").asString().equals("broken") && edge.get("failures").asLong() >= 1));
		long requests = 0;
		long failures = 0;
		for (String text : this.reports) {
			JsonNode report = JSON.readTree(text);
			assertThat(report.get("service").asString()).isEqualTo("frontend");
			assertThat(report.get("intervalMillis").asLong()).isPositive();
			for (JsonNode edge : report.get("edges")) {
				if (edge.get("peer").asString().equals("broken") && edge.get("direction").asString().equals("outbound")) {
					requests += edge.get("requests").asLong();
					failures += edge.get("failures").asLong();
					long bucketTotal = 0;
					for (JsonNode count : edge.get("latency")) {
						bucketTotal += count.asLong();
					}
					assertThat(bucketTotal).isEqualTo(edge.get("requests").asLong());
				}
			}
		}
		assertThat(failures).isEqualTo(requests).isGreaterThanOrEqualTo(4);
	}

	@Test
	void accessLogWritesOneJsonLinePerRequestOffTheRequestPath() throws Exception {
		String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
		get(this.outbound, "/items/logged?q=secret", Map.of("Host", "orders", "traceparent",
				"00-" + traceId + "-00f067aa0ba902b7-01"));
		await("the access log line").atMost(Duration.ofSeconds(5))
			.until(() -> Files.exists(this.accessLog) && Files.readString(this.accessLog).contains("/items/logged"));
		JsonNode line = Files.readAllLines(this.accessLog)
			.stream()
			.filter((text) -> text.contains("/items/logged"))
			.map(JSON::readTree)
			.findFirst()
			.orElseThrow();
		assertThat(line.get("traceId").asString()).isEqualTo(traceId);
		assertThat(line.get("direction").asString()).isEqualTo("outbound");
		assertThat(line.get("source").asString()).isEqualTo("frontend");
		assertThat(line.get("destination").asString()).isEqualTo("orders");
		assertThat(line.get("route").asString()).isEqualTo("items");
		assertThat(line.get("subset").asString()).isEqualTo("v1");
		assertThat(line.get("method").asString()).isEqualTo("GET");
		assertThat(line.get("path").asString()).isEqualTo("/items/logged");
		assertThat(line.get("status").asInt()).isEqualTo(200);
		assertThat(line.get("durationMs").asDouble()).isPositive();
		assertThat(line.get("retries").asInt()).isZero();
		assertThat(line.get("meshError").isNull()).isTrue();
		assertThat(Instant.parse(line.get("time").asString())).isBefore(Instant.now().plusSeconds(1));
		// No query string: it may hold ids and secrets.
		assertThat(Files.readString(this.accessLog)).doesNotContain("secret");

		get(this.outbound, "/", Map.of("Host", "nowhere-logged"));
		await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(this.accessLog).contains("nowhere-logged"));
		JsonNode error = Files.readAllLines(this.accessLog)
			.stream()
			.filter((text) -> text.contains("nowhere-logged"))
			.map(JSON::readTree)
			.findFirst()
			.orElseThrow();
		assertThat(error.get("status").asInt()).isEqualTo(503);
		assertThat(error.get("meshError").asString()).isNotBlank();
	}

	@Test
	void tapStreamsMatchingRequestsOnly() throws Exception {
		HttpResponse<Stream<String>> tap = this.http.send(
				HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.admin
						+ "/tap?destination=orders&path-prefix=/items&status=2xx&limit=2&duration=20s")).build(),
				HttpResponse.BodyHandlers.ofLines());
		assertThat(tap.statusCode()).isEqualTo(200);
		assertThat(tap.headers().firstValue("content-type")).hasValueSatisfying((type) -> assertThat(type).contains("ndjson"));
		Iterator<String> lines = tap.body().iterator();
		assertThat(lines.next()).contains("\"tap\"", "destination=orders");
		get(this.outbound, "/other", Map.of("Host", "orders"));
		get(this.outbound, "/", Map.of("Host", "broken"));
		get(this.outbound, "/items/a", Map.of("Host", "orders"));
		get(this.outbound, "/items/b", Map.of("Host", "orders"));
		List<JsonNode> seen = new ArrayList<>();
		while (lines.hasNext()) {
			seen.add(JSON.readTree(lines.next()));
		}
		// The stream ended after its limit of two requests, and showed only those that matched.
		assertThat(seen).extracting((node) -> node.get("path").asString()).containsExactly("/items/a", "/items/b");
		assertThat(seen).allSatisfy((node) -> assertThat(node.get("status").asInt()).isEqualTo(200));
	}

	@Test
	void adminEndpointShowsWhatIsOn() throws Exception {
		JsonNode telemetry = JSON.readTree(get(this.admin, "/actuator/mesh", Map.of()).body()).get("telemetry");
		assertThat(telemetry.get("requestMetrics").asBoolean()).isTrue();
		assertThat(telemetry.get("accessLog").get("to").asString()).isEqualTo(this.accessLog.toAbsolutePath().toString());
		assertThat(telemetry.get("tap").get("enabled").asBoolean()).isTrue();
		assertThat(telemetry.get("tracing").get("enabled").asBoolean()).isFalse();
	}

	@Test
	void badTapRequestsAreRefusedNamingWhatWasWrong() throws Exception {
		HttpResponse<String> status = get(this.admin, "/tap?status=600", Map.of());
		assertThat(status.statusCode()).isEqualTo(400);
		assertThat(status.body()).contains("status");
		HttpResponse<String> limit = get(this.admin, "/tap?limit=-1", Map.of());
		assertThat(limit.statusCode()).isEqualTo(400);
		assertThat(limit.body()).contains("limit");
		HttpResponse<String> duration = get(this.admin, "/tap?duration=soon", Map.of());
		assertThat(duration.statusCode()).isEqualTo(400);
		assertThat(duration.body()).contains("duration");
	}

	@Test
	void aReaderThatDoesNotReadLosesEventsNotRequestsAndTapsAreLimited() throws Exception {
		Taps taps = this.sidecar.getBean(Taps.class);
		// Two raw connections open taps and never read a byte.
		try (Socket first = openTap(); Socket second = openTap()) {
			await("two taps open").atMost(Duration.ofSeconds(5)).until(() -> taps.openTaps() == 2);
			HttpResponse<String> third = get(this.admin, "/tap", Map.of());
			assertThat(third.statusCode()).isEqualTo(429);
			assertThat(third.body()).contains("mesh.proxy.tap.max-taps");
			long start = System.nanoTime();
			for (int i = 0; i < 60; i++) {
				assertThat(get(this.outbound, "/items/" + i, Map.of("Host", "orders")).statusCode()).isEqualTo(200);
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
			String scrape = get(this.admin, "/actuator/prometheus", Map.of()).body();
			assertThat(metric(scrape, "trellis_tap_dropped_total")).isGreaterThan(0);
		}
		await("taps closed when their readers went away").atMost(Duration.ofSeconds(10))
			.until(() -> taps.openTaps() == 0);
	}

	private Socket openTap() throws IOException {
		Socket socket = new Socket("127.0.0.1", this.admin);
		OutputStream out = socket.getOutputStream();
		out.write(("GET /tap?limit=100000&duration=1m HTTP/1.1\r\nHost: admin\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return socket;
	}

	private static double metric(String scrape, String name) {
		return scrape.lines()
			.filter((line) -> line.startsWith(name + " ") || line.startsWith(name + "{") || line.startsWith(name + ","))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private static long count(String scrape, String... labels) {
		return (long) scrape.lines()
			.filter((line) -> line.startsWith("trellis_requests_seconds_count{"))
			.filter((line) -> {
				for (String label : labels) {
					if (!line.contains(label)) {
						return false;
					}
				}
				return true;
			})
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private static Stream<JsonNode> stream(JsonNode array) {
		List<JsonNode> nodes = new ArrayList<>();
		array.forEach(nodes::add);
		return nodes.stream();
	}

	private HttpResponse<String> get(int port, String path, Map<String, String> headers) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10));
		headers.forEach((name, value) -> {
			if (name.equalsIgnoreCase("Host")) {
				return;
			}
			request.header(name, value);
		});
		if (headers.containsKey("Host")) {
			return rawGet(port, path, headers);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	/** java.net.http will not send a Host header of our choosing, so calls that need one go raw. */
	private HttpResponse<String> rawGet(int port, String path, Map<String, String> headers) throws Exception {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\n");
			headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
			request.append("Connection: close\r\n\r\n");
			socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
			InputStream in = socket.getInputStream();
			String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
			int status = Integer.parseInt(response.substring(9, 12));
			String body = response.substring(response.indexOf("\r\n\r\n") + 4);
			return new RawResponse(status, body);
		}
	}

	private record RawResponse(int statusCode, String body) implements HttpResponse<String> {

		@Override
		public HttpRequest request() {
			return null;
		}

		@Override
		public java.util.Optional<HttpResponse<String>> previousResponse() {
			return java.util.Optional.empty();
		}

		@Override
		public java.net.http.HttpHeaders headers() {
			return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
		}

		@Override
		public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
			return java.util.Optional.empty();
		}

		@Override
		public URI uri() {
			return null;
		}

		@Override
		public HttpClient.Version version() {
			return HttpClient.Version.HTTP_1_1;
		}

	}



	private static DisposableServer echo(int status) {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
			.handle((request, response) -> response.status(status)
				.header("content-type", "application/json")
				.sendString(Mono.just("{\"path\":\"" + request.path() + "\"}"))
				.then())
			.bindNow();
	}



}
