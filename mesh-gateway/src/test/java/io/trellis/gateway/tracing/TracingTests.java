package io.trellis.gateway.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.trellis.core.policy.PolicySource;
import io.trellis.core.registry.Endpoint;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sidecar's spans on real ports: a Reactor Netty server stands in for Zipkin's span API
 * and another for the destination, which shows the trace headers it was sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final List<JsonNode> spans = new CopyOnWriteArrayList<>();

	private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();

	private DisposableServer zipkin;

	private DisposableServer orders;

	private DisposableServer app;

	private ConfigurableApplicationContext sidecar;

	private int outbound;

	private int inbound;

	@BeforeAll
	void start(@TempDir Path dir) throws IOException {
		this.zipkin = HttpServer.create().host("127.0.0.1").port(0).handle((request, response) -> request.receive()
			.aggregate()
			.asString()
			.doOnNext((body) -> JSON.readTree(body).forEach(this.spans::add))
			.then(response.status(202).send())).bindNow();
		this.orders = recorder();
		this.app = recorder();
		Path stateFile = dir.resolve("state.json");
		new StateStore(stateFile, JSON).save(new StateStore.State(StateStore.FORMAT, "frontend", Instant.now(),
				Map.of("orders", new StateStore.ServiceState("orders-1", List.of(new PolicySource("orders.yml", Map.of(
						"mesh.policy.routes[0].match.path.prefix", "/mirrored",
						"mesh.policy.routes[0].to[0].weight", "1",
						"mesh.policy.routes[0].mirror.service", "shadow",
						"mesh.policy.routes[0].mirror.percentage", "100"))), 1,
						List.of(new Endpoint("o1", "127.0.0.1", this.orders.port(), Map.of("version", "v1")))),
						"shadow", new StateStore.ServiceState("shadow-1", List.of(), 1,
								List.of(new Endpoint("s1", "127.0.0.1", this.orders.port(), Map.of("version", "v1")))))));
		int closed;
		try (ServerSocket socket = new ServerSocket(0)) {
			closed = socket.getLocalPort();
		}
		this.sidecar = new SpringApplicationBuilder(SidecarApplication.class).run("--mesh.proxy.service=frontend",
				"--mesh.proxy.app.port=" + this.app.port(), "--mesh.proxy.app.readiness-path=/ready",
				"--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0", "--mesh.proxy.admin.port=0",
				"--mesh.proxy.state-file=" + stateFile, "--mesh.proxy.control-plane.uri=http://127.0.0.1:" + closed,
				"--mesh.proxy.control-plane.request-timeout=1s",
				"--mesh.proxy.tracing.zipkin-endpoint=http://127.0.0.1:" + this.zipkin.port() + "/api/v2/spans",
				"--mesh.proxy.tracing.sampling-probability=1.0");
		this.outbound = ((WebServerApplicationContext) this.sidecar).getWebServer().getPort();
		this.inbound = this.sidecar.getBean(InboundServer.class).getPort();
	}

	@AfterAll
	void stop() {
		if (this.sidecar != null) {
			this.sidecar.close();
		}
		for (DisposableServer server : new DisposableServer[] { this.zipkin, this.orders, this.app }) {
			if (server != null) {
				server.disposeNow();
			}
		}
	}

	@Test
	void outboundCallIsAClientSpanChildOfTheW3cContextItCameWithAndSendsItsOwnOn() throws Exception {
		String traceId = "0af7651916cd43dd8448eb211c80319c";
		String parent = "b7ad6b7169203331";
		assertThat(call(this.outbound, "/orders/1", "Host: orders\r\ntraceparent: 00-" + traceId + "-" + parent
				+ "-01\r\n")).isEqualTo(200);
		Map<String, String> sent = lastReceived("/orders/1");
		assertThat(sent.get("traceparent")).startsWith("00-" + traceId + "-").endsWith("-01")
			.doesNotContain(parent);
		String sidecarSpanId = sent.get("traceparent").substring(36, 52);
		assertThat(sent.get("b3")).startsWith(traceId + "-" + sidecarSpanId);
		JsonNode span = awaitSpan(traceId, sidecarSpanId);
		assertThat(span.get("parentId").asString()).isEqualTo(parent);
		assertThat(span.get("kind").asString()).isEqualTo("CLIENT");
		assertThat(span.get("localEndpoint").get("serviceName").asString()).isEqualTo("frontend-sidecar");
		assertThat(span.get("remoteEndpoint").get("serviceName").asString()).isEqualTo("orders");
		assertThat(span.get("tags").get("mesh.route").asString()).isEqualTo("default");
		assertThat(span.get("tags").get("http.status_code").asString()).isEqualTo("200");
		assertThat(span.get("tags").get("http.path").asString()).isEqualTo("/orders/1");
		assertThat(span.get("duration").asLong()).isPositive();
	}

	@Test
	void inboundCallWithB3HeadersIsAServerSpanInTheSameTrace() throws Exception {
		String traceId = "463ac35c9f6413ad48485a3953bb6124";
		String parent = "a2fb4a1d1a96d312";
		assertThat(call(this.inbound, "/hello", "Host: frontend\r\nx-trellis-source: catalog\r\nX-B3-TraceId: " + traceId
				+ "\r\nX-B3-SpanId: " + parent + "\r\nX-B3-Sampled: 1\r\n")).isEqualTo(200);
		Map<String, String> sent = lastReceived("/hello");
		// The app gets the sidecar's span as parent, in both formats; the old B3 headers are gone.
		assertThat(sent.get("traceparent")).startsWith("00-" + traceId + "-");
		assertThat(sent).doesNotContainKey("x-b3-spanid");
		String sidecarSpanId = sent.get("traceparent").substring(36, 52);
		JsonNode span = awaitSpan(traceId, sidecarSpanId);
		assertThat(span.get("kind").asString()).isEqualTo("SERVER");
		assertThat(span.get("parentId").asString()).isEqualTo(parent);
		assertThat(span.get("remoteEndpoint").get("serviceName").asString()).isEqualTo("catalog");
	}

	@Test
	void aRequestWithoutContextStartsATraceAndAnUnsampledOneStaysUnsampled() throws Exception {
		assertThat(call(this.outbound, "/fresh", "Host: orders\r\n")).isEqualTo(200);
		String traceparent = lastReceived("/fresh").get("traceparent");
		assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
		awaitSpan(traceparent.substring(3, 35), traceparent.substring(36, 52));

		String unsampled = "11111111111111111111111111111111";
		assertThat(call(this.outbound, "/unsampled", "Host: orders\r\ntraceparent: 00-" + unsampled
				+ "-2222222222222222-00\r\n")).isEqualTo(200);
		assertThat(lastReceived("/unsampled").get("traceparent")).startsWith("00-" + unsampled).endsWith("-00");
		this.sidecar.getBean(SidecarTracing.class).flush();
		assertThat(this.spans).noneMatch((span) -> span.get("traceId").asString().equals(unsampled));
	}

	@Test
	void aMirroredCopyCarriesTheSidecarsSpanAsTheRequestDoes() throws Exception {
		String traceId = "33333333333333333333333333333333";
		String parent = "4444444444444444";
		assertThat(call(this.outbound, "/mirrored", "Host: orders\r\ntraceparent: 00-" + traceId + "-" + parent
				+ "-01\r\n")).isEqualTo(200);
		await("the mirrored copy").atMost(Duration.ofSeconds(10))
			.until(() -> this.received.stream().filter((h) -> "/mirrored".equals(h.get(":path"))).count() == 2);
		List<String> sent = this.received.stream()
			.filter((headers) -> "/mirrored".equals(headers.get(":path")))
			.map((headers) -> headers.get("traceparent"))
			.toList();
		// The request and its copy both name the sidecar's span as parent, not the app's.
		assertThat(sent).hasSize(2).allSatisfy((traceparent) -> assertThat(traceparent)
			.startsWith("00-" + traceId + "-").doesNotContain(parent));
		assertThat(sent.get(0)).isEqualTo(sent.get(1));
	}

	@Test
	void aMeshErrorIsMarkedOnTheSpan() throws Exception {
		String traceId = "22222222222222222222222222222222";
		assertThat(call(this.outbound, "/", "Host: nowhere\r\ntraceparent: 00-" + traceId
				+ "-3333333333333333-01\r\n")).isEqualTo(503);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.spans.stream()
			.anyMatch((span) -> span.get("traceId").asString().equals(traceId)));
		JsonNode span = this.spans.stream()
			.filter((candidate) -> candidate.get("traceId").asString().equals(traceId))
			.findFirst()
			.orElseThrow();
		assertThat(span.get("tags").get("error").asString()).isNotBlank();
		assertThat(span.get("tags").get("mesh.error").asString()).isNotBlank();
		assertThat(span.get("tags").get("http.status_code").asString()).isEqualTo("503");
	}

	private JsonNode awaitSpan(String traceId, String spanId) {
		await("span " + spanId + " in Zipkin").atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> find(traceId, spanId) != null);
		return find(traceId, spanId);
	}

	private JsonNode find(String traceId, String spanId) {
		for (JsonNode span : this.spans) {
			if (span.get("traceId").asString().equals(traceId) && span.get("id").asString().equals(spanId)) {
				return span;
			}
		}
		return null;
	}

	private Map<String, String> lastReceived(String path) {
		List<Map<String, String>> matching = new ArrayList<>();
		for (Map<String, String> headers : this.received) {
			if (path.equals(headers.get(":path"))) {
				matching.add(headers);
			}
		}
		assertThat(matching).as("requests for " + path).isNotEmpty();
		return matching.get(matching.size() - 1);
	}

	private DisposableServer recorder() {
		return HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.channelGroup(new DefaultChannelGroup(GlobalEventExecutor.INSTANCE))
			.handle((request, response) -> {
				Map<String, String> headers = new java.util.LinkedHashMap<>();
				request.requestHeaders().forEach((e) -> headers.put(e.getKey().toLowerCase(), e.getValue()));
				headers.put(":path", request.path().isEmpty() ? "/" : "/" + request.path());
				this.received.add(headers);
				return response.sendString(Mono.just("ok")).then();
			})
			.bindNow();
	}

	private static int call(int port, String path, String headers) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			socket.getOutputStream()
				.write(("GET " + path + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n")
					.getBytes(StandardCharsets.ISO_8859_1));
			InputStream in = socket.getInputStream();
			String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
			return Integer.parseInt(response.substring(9, 12));
		}
	}

}
