package io.trellis.configserver.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import io.trellis.configserver.policy.PolicyDirectory;
import io.trellis.core.telemetry.LatencyBuckets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Traffic reports in over HTTP, the topology and served policy out, and the dashboard page, on
 * a real control plane. Each test uses services of its own, as the topology is shared.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "mesh.control-plane.policy.poll-interval=100ms",
				"mesh.control-plane.telemetry.max-edges-per-report=50" })
@DirtiesContext
class TopologyApiIntegrationTests {

	@TempDir
	static Path dir;

	static PolicyDirectory policy;

	@LocalServerPort
	int port;

	ControlPlaneClient client;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> policy.searchLocation());
	}

	@BeforeAll
	static void writePolicy() {
		policy = new PolicyDirectory(dir);
		policy.writeOrdersAndPayments();
		policy.write("catalog.yml", "mesh.policy:\n  timeout: 3s\n  retries:\n    attempts: 2\n");
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void edgeFromCallersOutboundReportsHasRateSuccessRateAndP99() {
		// Two sidecars of web call catalog: 10/s (1 failing) and 5/s, over 2 s each.
		for (int i = 0; i < 2; i++) {
			assertThat(report("web-1", "web", edge("outbound", "catalog", 10, 1, 4))).isEqualTo(204);
			assertThat(report("web-2", "web", edge("outbound", "catalog", 5, 0, 4))).isEqualTo(204);
		}

		JsonNode edge = edge("web", "catalog");
		assertThat(edge.path("reportedBy").asString()).isEqualTo("outbound");
		assertThat(edge.path("requests").asLong()).isEqualTo(30);
		assertThat(edge.path("failures").asLong()).isEqualTo(2);
		assertThat(edge.path("requestsPerSecond").asDouble()).isCloseTo(15.0, within(1e-9));
		assertThat(edge.path("successRate").asDouble()).isCloseTo(28.0 / 30, within(1e-9));
		// All in bucket 4 (10 ms, 25 ms]: the 99th percentile interpolates to 24.85 ms.
		assertThat(edge.path("p99Millis").asDouble()).isCloseTo(10 + 15 * 0.99, within(1e-9));
	}

	@Test
	void callersWithoutSidecarBecomeAnEdgeFromOutside() {
		report("shop-1", "shop", edge("inbound", "unknown", 4, 0, 2));

		JsonNode edge = edge(Topology.OUTSIDE, "shop");
		assertThat(edge.path("reportedBy").asString()).isEqualTo("inbound");
		assertThat(edge.path("requests").asLong()).isEqualTo(4);
		assertThat(edge.path("successRate").asDouble()).isEqualTo(1.0);
		JsonNode outside = service(Topology.OUTSIDE);
		assertThat(outside.path("outside").asBoolean()).isTrue();
		assertThat(outside.path("policy").isNull()).isTrue();
	}

	@Test
	void inboundReportsStandInOnlyWhereNoCallerReportedTheEdge() {
		// cart's sidecar reports its calls; legacy's sidecar reports none.
		report("cart-1", "cart", edge("outbound", "stock", 6, 0, 3));
		report("stock-1", "stock", edge("inbound", "cart", 7, 0, 3), edge("inbound", "legacy", 3, 3, 3));

		assertThat(edge("cart", "stock").path("reportedBy").asString()).isEqualTo("outbound");
		assertThat(edge("cart", "stock").path("requests").asLong()).isEqualTo(6);
		JsonNode legacy = edge("legacy", "stock");
		assertThat(legacy.path("reportedBy").asString()).isEqualTo("inbound");
		assertThat(legacy.path("successRate").asDouble()).isEqualTo(0.0);
		assertThat(service("legacy").path("outside").asBoolean()).isFalse();
	}

	@Test
	void servicesCombineRegistryPolicyAndReports() {
		this.client.put("/mesh/v1/registry/orders/orders-1", "{\"host\": \"127.0.0.1\", \"port\": 8081}");
		this.client.put("/mesh/v1/registry/orders/orders-2", "{\"host\": \"127.0.0.1\", \"port\": 8082}");
		String ordersVersion = served("orders");

		JsonNode orders = service("orders");
		assertThat(orders.path("instances").asInt()).isEqualTo(2);
		assertThat(orders.path("policy").path("version").asString()).isEqualTo(ordersVersion);
		assertThat(orders.path("policy").path("ownFile").asBoolean()).isTrue();
		assertThat(orders.path("policy").path("valid").asBoolean()).isTrue();
		// payments has a policy file but no instance yet.
		assertThat(service("payments").path("instances").asInt()).isZero();
		assertThat(names()).doesNotContain("application");
	}

	@Test
	void sidecarsShowSyncStateVersionsAndLastTrafficReport() {
		String payments = served("payments");
		assertThat(this.client.post("/mesh/v1/sync", """
				{"sidecar": "till-1", "service": "till", "instance": "127.0.0.1:15006",
				 "policies": [{"service": "payments", "applied": "%s"}]}
				""".formatted(payments)).status()).isEqualTo(204);
		report("till-1", "till", edge("outbound", "payments", 1, 0, 1));
		report("tally-1", "tally", edge("outbound", "payments", 1, 0, 1));

		JsonNode till = sidecar("till-1");
		assertThat(till.path("service").asString()).isEqualTo("till");
		assertThat(till.path("instance").asString()).isEqualTo("127.0.0.1:15006");
		assertThat(till.path("state").asString()).isEqualTo("SYNCED");
		assertThat(till.path("lastSeen").isNull()).isFalse();
		assertThat(till.path("lastTrafficReport").isNull()).isFalse();
		assertThat(till.path("policies").path(0).path("service").asString()).isEqualTo("payments");
		assertThat(till.path("policies").path(0).path("applied").asString()).isEqualTo(payments);
		// A sidecar that sent traffic but no sync report yet is listed without a state.
		JsonNode tally = sidecar("tally-1");
		assertThat(tally.path("state").isNull()).isTrue();
		assertThat(tally.path("lastTrafficReport").isNull()).isFalse();
	}

	@Test
	void policyOfAServiceShowsTheWinningValuesAndTheirFiles() {
		JsonNode catalog = this.client.get("/mesh/v1/topology/policy/catalog").json();
		assertThat(catalog.path("version").asString()).isEqualTo(served("catalog"));
		assertThat(catalog.path("ownFile").asBoolean()).isTrue();
		assertThat(catalog.path("valid").asBoolean()).isTrue();
		assertThat(catalog.path("properties").path("mesh.policy.timeout").asString()).isEqualTo("3s");
		assertThat(catalog.path("properties").path("mesh.policy.retries.attempts").asInt()).isEqualTo(2);
		assertThat(catalog.path("files").toString()).contains("catalog.yml", "application.yml");

		JsonNode defaults = this.client.get("/mesh/v1/topology/policy/reviews").json();
		assertThat(defaults.path("ownFile").asBoolean()).isFalse();
		assertThat(defaults.path("properties").path("mesh.policy.timeout").asString()).isEqualTo("5s");
	}

	@Test
	void badReportsAreRejectedNamingWhatWasWrong() {
		assertThat(badRequest(post(reportJson("b-1", "Bad_Name", edge("outbound", "x", 1, 0, 0)))))
			.contains("'Bad_Name'", "not a valid service name");
		assertThat(badRequest(post(reportJson("b-1", "b", edge("outbound", "Bad.Peer", 1, 0, 0)))))
			.contains("edges[0].peer", "'Bad.Peer'");
		assertThat(badRequest(post(reportJson("b-1", "b", edge("outbound", "x", -3, 0, 0)))))
			.contains("edges[0].requests", "was -3");
		assertThat(badRequest(post(reportJson("b-1", "b", edge("outbound", "x", 1, 2, 0)))))
			.contains("edges[0].failures", "was 2");
		assertThat(badRequest(post(reportJson("b-1", "b", edge("upward", "x", 1, 0, 0))))).contains("edges[0].direction",
				"'upward'");
		assertThat(badRequest(post(reportJson("b-1", "b",
				"{\"direction\": \"outbound\", \"peer\": \"x\", \"requests\": 1, \"failures\": 0, \"latency\": [1, 2]}"))))
			.contains("Malformed request body", "latency needs " + LatencyBuckets.COUNT + " bucket counts, got 2");
		assertThat(badRequest(post("{\"sidecar\": \"b-1\", \"service\": \"b\", \"instance\": \"i\", "
				+ "\"intervalMillis\": -5, \"edges\": []}")))
			.contains("intervalMillis", "was -5");
		assertThat(badRequest(post("{\"sidecar\": \"b-1\", \"service\": \"b\", "))).startsWith("Malformed request body");
		List<String> many = new ArrayList<>();
		for (int i = 0; i < 51; i++) {
			many.add(edge("outbound", "peer-" + i, 1, 0, 0));
		}
		assertThat(badRequest(post(reportJson("b-1", "b", many.toArray(String[]::new))))).contains("at most 50 edges",
				"holds 51");
		assertThat(badRequest(this.client.get("/mesh/v1/topology/policy/Bad_Name"))).contains("'Bad_Name'");

		assertThat(names()).doesNotContain("b");
		assertThat(this.client.get("/mesh/v1/topology").status()).isEqualTo(200);
	}

	@Test
	void dashboardPageIsServedWithAContentSecurityPolicyAndTheRootLeadsToIt() throws Exception {
		Response page = this.client.get("/dashboard");
		assertThat(page.status()).isEqualTo(200);
		assertThat(page.body()).contains("<svg id=\"graph\"", "/dashboard/dashboard.js");
		Response root = this.client.get("/");
		assertThat(root.status()).isEqualTo(302);

		Map<String, List<String>> headers = headers("/dashboard");
		assertThat(headers.get("content-type").get(0)).startsWith("text/html");
		assertThat(headers.get("content-security-policy").get(0)).contains("script-src 'self'")
			.doesNotContain("unsafe-inline");
		assertThat(headers("/").get("location").get(0)).endsWith("/dashboard");
		assertThat(headers("/dashboard/dashboard.js").get("content-type").get(0))
			.startsWith("text/javascript");
		assertThat(this.client.get("/dashboard/dashboard.css").status()).isEqualTo(200);
	}

	private int report(String sidecar, String service, String... edges) {
		return post(reportJson(sidecar, service, edges)).status();
	}

	private static String reportJson(String sidecar, String service, String... edges) {
		return """
				{"sidecar": "%s", "service": "%s", "instance": "i-%s", "intervalMillis": 1000, "edges": [%s]}
				""".formatted(sidecar, service, sidecar, String.join(",", edges));
	}

	/** The headers of a GET answer, by lower-case name. */
	private Map<String, List<String>> headers(String path) throws Exception {
		HttpResponse<Void> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.discarding());
		return response.headers().map();
	}

	private Response post(String body) {
		return this.client.post("/mesh/v1/traffic", body);
	}

	/** An entry of {@code requests} requests, all in latency bucket {@code bucket}. */
	private static String edge(String direction, String peer, long requests, long failures, int bucket) {
		long[] latency = new long[LatencyBuckets.COUNT];
		latency[bucket] = Math.max(0, requests);
		StringBuilder buckets = new StringBuilder();
		for (long count : latency) {
			buckets.append((buckets.length() > 0) ? "," : "").append(count);
		}
		return """
				{"direction": "%s", "peer": "%s", "requests": %d, "failures": %d, "latency": [%s]}"""
			.formatted(direction, peer, requests, failures, buckets);
	}

	private static String badRequest(Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(400);
		return response.json().path("detail").asString();
	}

	private String served(String service) {
		return this.client.get("/config/" + service + "/default").json().path("version").asString();
	}

	private JsonNode topology() {
		Response response = this.client.get("/mesh/v1/topology");
		assertThat(response.status()).isEqualTo(200);
		return response.json();
	}

	private JsonNode edge(String source, String destination) {
		for (JsonNode edge : topology().path("edges")) {
			if (edge.path("source").asString().equals(source) && edge.path("destination").asString().equals(destination)) {
				return edge;
			}
		}
		throw new AssertionError("no edge " + source + " -> " + destination + " in " + topology());
	}

	private JsonNode service(String name) {
		for (JsonNode service : topology().path("services")) {
			if (service.path("name").asString().equals(name)) {
				return service;
			}
		}
		throw new AssertionError("no service " + name + " in " + topology());
	}

	private List<String> names() {
		List<String> names = new ArrayList<>();
		topology().path("services").forEach((service) -> names.add(service.path("name").asString()));
		return names;
	}

	private JsonNode sidecar(String id) {
		for (JsonNode sidecar : topology().path("sidecars")) {
			if (sidecar.path("sidecar").asString().equals(id)) {
				return sidecar;
			}
		}
		throw new AssertionError("no sidecar " + id + " in " + topology());
	}

}
