package io.trellis.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.HttpMethod;
import io.trellis.e2e.support.EchoApp;
import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.HttpCall.Response;
import io.trellis.e2e.support.MeshCluster;
import io.trellis.e2e.support.PolicyFiles;
import io.trellis.e2e.support.Sidecar;
import io.trellis.e2e.support.Traffic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The data path and live policy on a real mesh: a control plane, a caller's sidecar
 * ({@code frontend}) and two versions of {@code orders}, each behind its own sidecar, all
 * separate processes on loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshRoutingIT {

	Path work;

	MeshCluster mesh;

	Path policy;

	Sidecar frontend;

	Sidecar ordersV1;

	Sidecar ordersV2;

	EchoApp ordersV1App;

	@BeforeAll
	void startMesh(@TempDir Path work) throws Exception {
		this.work = work;
		this.policy = java.nio.file.Files.createDirectories(this.work.resolve("policy"));
		PolicyFiles.write(this.policy, "application", "mesh.policy.timeout: 5s\n");
		PolicyFiles.write(this.policy, "orders", ordersPolicy(50, 50));
		this.mesh = new MeshCluster("MeshRoutingIT", this.work);
		this.mesh.startControlPlane(this.policy, Map.of());
		EchoApp frontendApp = this.mesh.startApp("frontend");
		EchoApp v1 = this.mesh.startApp("orders-v1");
		this.ordersV1App = v1;
		EchoApp v2 = this.mesh.startApp("orders-v2");
		this.frontend = this.mesh.startSidecar("frontend", Map.of("version", "v1"), frontendApp.port(), Map.of());
		this.ordersV1 = this.mesh.startSidecar("orders", Map.of("version", "v1"), v1.port(), Map.of());
		this.ordersV2 = this.mesh.startSidecar("orders", Map.of("version", "v2"), v2.port(), Map.of());
		awaitRegistered("orders", 2);
	}

	@AfterAll
	void stopMesh() {
		if (this.mesh != null) {
			this.mesh.close();
		}
	}

	@Test
	void requestReachesTheDestinationAppThroughBothSidecarsMarkedWithItsSource() {
		Response response = HttpCall.call(HttpMethod.POST, this.frontend.outbound("/orders?id=7"),
				Map.of("Host", "orders", "x-trellis-source", "forged"), "{\"sku\":\"tea\"}");
		assertThat(response.status()).isEqualTo(200);
		JsonNode echo = response.json();
		assertThat(echo.get("app").asString()).startsWith("orders-v");
		assertThat(echo.get("method").asString()).isEqualTo("POST");
		assertThat(echo.get("path").asString()).isEqualTo("/orders?id=7");
		assertThat(echo.get("body").asString()).isEqualTo("{\"sku\":\"tea\"}");
		JsonNode headers = echo.get("headers");
		assertThat(headers.get("host").asString()).isEqualTo("orders");
		assertThat(headers.get("x-trellis-source").asString()).isEqualTo("frontend");
		assertThat(headers.get("x-trellis-source-instance").asString()).isEqualTo(this.frontend.instanceId());
	}

	@Test
	void destinationHeaderAndProxyStyleRequestsAreRoutedLikeHost() throws Exception {
		Response byHeader = HttpCall.get(this.frontend.outbound("/a"), Map.of("x-trellis-destination", "orders:8080"));
		assertThat(byHeader.status()).isEqualTo(200);
		assertThat(byHeader.json().get("headers").get("host").asString()).isEqualTo("orders");
		assertThat(byHeader.json().get("headers").has("x-trellis-destination")).isFalse();

		// A client using the sidecar as its HTTP proxy sends the absolute URI as request target.
		java.net.http.HttpClient proxyClient = java.net.http.HttpClient.newBuilder()
			.proxy(java.net.ProxySelector.of(new java.net.InetSocketAddress("127.0.0.1", this.frontend.outboundPort())))
			.build();
		java.net.http.HttpResponse<String> proxied = proxyClient.send(
				java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://orders/p?q=1")).build(),
				java.net.http.HttpResponse.BodyHandlers.ofString());
		assertThat(proxied.statusCode()).isEqualTo(200);
		JsonNode echo = HttpCall.JSON.readTree(proxied.body());
		assertThat(echo.get("path").asString()).isEqualTo("/p?q=1");
		assertThat(echo.get("headers").get("host").asString()).isEqualTo("orders");
		assertThat(echo.get("headers").get("x-trellis-source").asString()).isEqualTo("frontend");
	}

	@Test
	void unknownServiceIsAMeshErrorThatNamesTheService() {
		Response response = HttpCall.get(this.frontend.outbound("/x"), Map.of("Host", "nosuch"));
		assertThat(response.status()).isEqualTo(503);
		assertThat(response.header("x-trellis-error")).isEqualTo("unknown-service");
		assertThat(response.json().get("service").asString()).isEqualTo("nosuch");
		assertThat(response.json().get("message").asString()).contains("nosuch");

		Response toTheSidecarItself = HttpCall.get(this.frontend.outbound("/"), Map.of("Host", "127.0.0.1"));
		assertThat(toTheSidecarItself.status()).isEqualTo(503);
		assertThat(toTheSidecarItself.header("x-trellis-error")).isEqualTo("unknown-service");
		assertThat(toTheSidecarItself.json().get("message").asString()).contains("127.0.0.1", "names no mesh service");
	}

	@Test
	void weightChangeAppliesWithoutRestartWithinTwoSeconds() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(100, 0), this.frontend);
		assertThat(answers(20, Map.of())).containsOnlyKeys("orders-v1");

		long written = System.nanoTime();
		PolicyFiles.write(this.policy, "orders", ordersPolicy(0, 100));
		awaitOnly("orders-v2", Map.of(), Duration.ofSeconds(2));
		Duration took = Duration.ofNanos(System.nanoTime() - written);
		assertThat(took).isLessThanOrEqualTo(Duration.ofSeconds(2));
		assertThat(answers(20, Map.of())).containsOnlyKeys("orders-v2");
	}

	@Test
	void observedSplitConvergesToTheWeightsAndLiveWeightChangesFailNoRequest() throws Exception {
		assertThat(HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")).status()).isEqualTo(200);
		// Slow traffic runs through every change below; none of its requests may fail.
		try (Traffic traffic = new Traffic(() -> HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")),
				Duration.ofMillis(5), 20_000, Duration.ofSeconds(60))) {
			PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(90, 10),
					this.frontend);
			// Each request draws its subset independently: the v2 count of n requests is binomial
			// (n, 0.1). With n = 600: mean 60, standard deviation 7.3; the bound is 5 of them.
			int n = 600;
			Map<String, Integer> counts = answers(n, Map.of());
			int v2 = counts.getOrDefault("orders-v2", 0);
			double sd = Math.sqrt(n * 0.1 * 0.9);
			assertThat((double) v2).as("v2 answers of %d at weight 10/100: %s", n, counts)
				.isBetween(n * 0.1 - 5 * sd, n * 0.1 + 5 * sd);
			assertThat(counts.get("orders-v1") + v2).isEqualTo(n);

			PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(50, 50),
					this.frontend);
			counts = answers(n, Map.of());
			v2 = counts.getOrDefault("orders-v2", 0);
			sd = Math.sqrt(n * 0.5 * 0.5);
			assertThat((double) v2).as("v2 answers of %d at weight 50/100: %s", n, counts)
				.isBetween(n * 0.5 - 5 * sd, n * 0.5 + 5 * sd);
			Map<String, Integer> outcomes = traffic.stop();
			assertThat(outcomes.keySet()).as("outcomes of the requests sent during the changes")
				.allSatisfy((outcome) -> assertThat(outcome).startsWith("200 "));
			assertThat(traffic.sent()).isGreaterThan(20);
		}
	}

	@Test
	void headerRouteSendsMarkedRequestsToTheCanaryAndChangesLive() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - match: { headers: { x-canary: "true" } }
				      to: [ { subset: v2 } ]
				    - to: [ { subset: v1 } ]
				""", this.frontend);
		assertThat(answers(15, Map.of("x-canary", "true"))).containsOnlyKeys("orders-v2");
		assertThat(answers(15, Map.of())).containsOnlyKeys("orders-v1");

		long written = System.nanoTime();
		PolicyFiles.write(this.policy, "orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - to: [ { subset: v1 } ]
				""");
		awaitOnly("orders-v1", Map.of("x-canary", "true"), Duration.ofSeconds(2));
		assertThat(Duration.ofNanos(System.nanoTime() - written)).isLessThanOrEqualTo(Duration.ofSeconds(2));
	}

	@Test
	void routesMatchOnPathMethodHeaderRegexAndQueryParameter() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - match: { path: { prefix: /beta }, methods: [ POST ] }
				      to: [ { subset: v2 } ]
				    - match: { path: { regex: "/items/[0-9]+" } }
				      to: [ { subset: v2 } ]
				    - match: { headers: { x-user: { regex: "tester-.*" } } }
				      to: [ { subset: v2 } ]
				    - match: { query-params: { preview: { present: true } } }
				      to: [ { subset: v2 } ]
				    - to: [ { subset: v1 } ]
				""", this.frontend);
		assertThat(appFor(HttpMethod.POST, "/beta/cart", Map.of())).isEqualTo("orders-v2");
		assertThat(appFor(HttpMethod.GET, "/beta/cart", Map.of())).as("method").isEqualTo("orders-v1");
		assertThat(appFor(HttpMethod.POST, "/betamax", Map.of())).as("prefix by path segment").isEqualTo("orders-v1");
		assertThat(appFor(HttpMethod.GET, "/items/42", Map.of())).isEqualTo("orders-v2");
		assertThat(appFor(HttpMethod.GET, "/items/42/reviews", Map.of())).as("regex on the whole path")
			.isEqualTo("orders-v1");
		assertThat(appFor(HttpMethod.GET, "/who", Map.of("x-user", "tester-ann"))).isEqualTo("orders-v2");
		assertThat(appFor(HttpMethod.GET, "/who", Map.of("x-user", "ann"))).isEqualTo("orders-v1");
		assertThat(appFor(HttpMethod.GET, "/who?preview", Map.of())).isEqualTo("orders-v2");
		assertThat(appFor(HttpMethod.GET, "/who?a=1&preview=no", Map.of())).isEqualTo("orders-v2");
		assertThat(appFor(HttpMethod.GET, "/who?previews=1", Map.of())).isEqualTo("orders-v1");

		JsonNode routes = this.frontend.mesh().path("policies").path("orders").path("routes");
		assertThat(routes.get(0).path("match").path("path").path("prefix").asString()).isEqualTo("/beta");
		assertThat(routes.get(3).path("match").path("queryParams").path("preview").path("present").asBoolean())
			.isTrue();
	}

	@Test
	void faultsHitOnlyMarkedRequestsAndRoutesRewriteHeadersAndPaths() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - match: { path: { prefix: /legacy } }
				      rewrite: { prefix: /v2 }
				      request-headers: { set: { x-tenant: blue }, add: { x-via: legacy-route }, remove: [ x-drop ] }
				      response-headers: { set: { x-route: legacy }, remove: [ x-echo-app ] }
				      to: [ { subset: v1 } ]
				    - match: { path: { prefix: /slow } }
				      fault: { delay: { fixed: 400ms }, headers: { x-chaos: delay } }
				      to: [ { subset: v1 } ]
				    - match: { path: { prefix: /flaky } }
				      fault: { abort: { status: 503, percentage: 30 } }
				      to: [ { subset: v1 } ]
				    - fault: { abort: { status: 418 }, headers: { x-chaos: abort } }
				      to: [ { subset: v1 } ]
				""", this.frontend);
		Response rewritten = HttpCall.get(this.frontend.outbound("/legacy/items?id=7"),
				Map.of("Host", "orders", "x-drop", "secret", "x-via", "caller"));
		assertThat(rewritten.status()).isEqualTo(200);
		JsonNode echoed = rewritten.json();
		assertThat(echoed.get("path").asString()).isEqualTo("/v2/items?id=7");
		assertThat(echoed.get("headers").get("x-tenant").asString()).isEqualTo("blue");
		assertThat(echoed.get("headers").has("x-drop")).isFalse();
		assertThat(echoed.get("headers").get("x-via").asString()).contains("caller", "legacy-route");
		assertThat(rewritten.header("x-route")).isEqualTo("legacy");
		assertThat(rewritten.header("x-echo-app")).isNull();

		// A fault limited to marked requests leaves everyone else's alone.
		Response aborted = HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders", "x-chaos", "abort"));
		assertThat(aborted.status()).isEqualTo(418);
		assertThat(aborted.header("x-trellis-error")).isEqualTo("fault-injected");
		assertThat(aborted.json().get("message").asString()).contains("the service was not called");
		assertThat(HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")).status()).isEqualTo(200);
		long started = System.nanoTime();
		assertThat(HttpCall.get(this.frontend.outbound("/slow"), Map.of("Host", "orders", "x-chaos", "delay")).status())
			.isEqualTo(200);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
		started = System.nanoTime();
		assertThat(HttpCall.get(this.frontend.outbound("/slow"), Map.of("Host", "orders")).status()).isEqualTo(200);
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(400));

		// 30% aborted: of 200 requests, binomial mean 60, standard deviation 6.5; allow 5 of them.
		int failed = 0;
		for (int i = 0; i < 200; i++) {
			Response response = HttpCall.get(this.frontend.outbound("/flaky"), Map.of("Host", "orders"));
			if (response.status() == 503) {
				assertThat(response.header("x-trellis-error")).isEqualTo("fault-injected");
				failed++;
			}
		}
		assertThat(failed).isBetween(28, 92);
		JsonNode routes = this.frontend.mesh().path("policies").path("orders").path("routes");
		assertThat(routes.get(2).path("fault").path("abort").path("percentage").asDouble()).isEqualTo(30.0);
		assertThat(routes.get(0).path("rewrite").path("prefix").asString()).isEqualTo("/v2");
	}

	@Test
	void mirroredCopiesReachTheMirrorMarkedAndASlowOrDeadMirrorChangesNothingForTheCaller() throws Exception {
		try (EchoApp shadowApp = this.mesh.startApp("shadow")) {
			Sidecar shadow = this.mesh.startSidecar("shadow", Map.of("version", "v1"), shadowApp.port(), Map.of());
			try {
				awaitRegistered("shadow", 1);
				// The caller's sidecar follows orders once it has called it.
				HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders"));
				shadowApp.setDelay(Duration.ofSeconds(2));
				PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
						mesh.policy:
						  timeout: 3s
						  subsets: { v1: { version: v1 }, v2: { version: v2 } }
						  routes:
						    - mirror: { service: shadow }
						      to: [ { subset: v1 } ]
						""", this.frontend);
				// The first copy makes the caller's sidecar follow shadow; copies follow once it knows it.
				await("copies reach the mirror").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
					.until(() -> {
						HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders"));
						return shadowApp.requests() > 0;
					});
				Response posted = HttpCall.call(HttpMethod.POST, this.frontend.outbound("/cart?id=3"),
						Map.of("Host", "orders", "content-type", "application/json"), "{\"item\":7}");
				assertThat(posted.status()).isEqualTo(200);
				await().atMost(Duration.ofSeconds(5))
					.until(() -> "orders".equals(shadowApp.lastHeaders().get("x-trellis-mirror")));
				assertThat(shadowApp.lastHeaders()).containsEntry("host", "shadow");

				// The mirror answers after 2 s: callers do not wait for it, and past 64 copies in flight
				// more are dropped rather than queued.
				java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
				java.util.concurrent.atomic.AtomicLong slowestNanos = new java.util.concurrent.atomic.AtomicLong();
				try {
					List<java.util.concurrent.Future<Response>> calls = new java.util.ArrayList<>();
					for (int i = 0; i < 160; i++) {
						calls.add(callers.submit(() -> {
							long started = System.nanoTime();
							Response response = HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders"));
							slowestNanos.accumulateAndGet(System.nanoTime() - started, Math::max);
							return response;
						}));
					}
					for (java.util.concurrent.Future<Response> call : calls) {
						Response response = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
						assertThat(response.status()).isEqualTo(200);
						assertThat(response.header("x-echo-app")).isEqualTo("orders-v1");
					}
				}
				finally {
					callers.shutdownNow();
				}
				long slowest = slowestNanos.get();
				assertThat(Duration.ofNanos(slowest)).as("slowest call with a slow mirror")
					.isLessThan(Duration.ofMillis(1000));
				assertThat(metric("trellis_mirror_requests_total", "destination=\"shadow\"", "result=\"dropped\""))
					.as("%s", HttpCall.get("http://127.0.0.1:" + this.frontend.adminPort() + "/actuator/prometheus")
						.body()
						.lines()
						.filter((line) -> line.contains("mirror"))
						.toList())
					.isGreaterThan(0.0);

				// A dead mirror: still nothing for the caller.
				shadow.process().kill();
				for (int i = 0; i < 30; i++) {
					long started = System.nanoTime();
					assertThat(HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")).status())
						.isEqualTo(200);
					assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1000));
				}
				await().atMost(Duration.ofSeconds(10)).until(() -> metric("trellis_mirror_requests_total",
						"destination=\"shadow\"", "result=\"failed\"") > 0);
			}
			finally {
				shadow.process().close();
			}
		}
	}

	private double metric(String name, String... labels) {
		String scrape = HttpCall.get("http://127.0.0.1:" + this.frontend.adminPort() + "/actuator/prometheus").body();
		return scrape.lines()
			.filter((line) -> line.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(line::contains))
			.mapToDouble((line) -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
			.sum();
	}

	private String appFor(HttpMethod method, String path, Map<String, String> headers) {
		Map<String, String> all = new java.util.HashMap<>(headers);
		all.put("Host", "orders");
		Response response = HttpCall.call(method, this.frontend.outbound(path), all,
				(method == HttpMethod.POST) ? "{}" : null);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return response.header("x-echo-app");
	}

	@Test
	void invalidPolicyIsRejectedNamingFileAndFieldWhileTrafficKeepsSucceeding() {
		String valid = PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders",
				ordersPolicy(100, 0), this.frontend);
		try (Traffic traffic = new Traffic(() -> HttpCall.get(this.frontend.outbound("/t"), Map.of("Host", "orders")),
				Duration.ofMillis(20), 2000, Duration.ofSeconds(30))) {
			PolicyFiles.write(this.policy, "orders", """
					mesh.policy:
					  subsets: { v1: { version: v1 }, v2: { version: v2 } }
					  routes:
					    - to: [ { subset: v2, weigth: 100 } ]
					""");
			await("rejection reported").atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				JsonNode status = PolicyFiles.status(this.mesh.controlPlane(), "orders");
				assertThat(status.get("valid").asBoolean()).isFalse();
				JsonNode error = status.get("errors").get(0);
				assertThat(error.get("file").asString()).isEqualTo("orders.yml");
				assertThat(error.get("field").asString()).isEqualTo("mesh.policy.routes[0].to[0].weigth");
				assertThat(error.get("position").asString()).startsWith("4:");
			});
			assertThat(PolicyFiles.status(this.mesh.controlPlane(), "orders").get("version").asString()).isEqualTo(valid);
			await().pollDelay(Duration.ofSeconds(1)).until(() -> traffic.sent() > 30);
			assertThat(this.frontend.mesh().path("policies").path("orders").path("version").asString()).isEqualTo(valid);
			Map<String, Integer> outcomes = traffic.stop();
			assertThat(outcomes).containsOnlyKeys("200 orders-v1");
		}
		assertThat(PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(50, 50),
				this.frontend)).isNotEqualTo(valid);
	}

	@Test
	void controlPlaneShowsEverySidecarInSync() {
		String version = PolicyFiles.awaitApplied(this.mesh.controlPlane(), this.frontend, "orders");
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			JsonNode status = HttpCall.get(this.mesh.controlPlane().url() + "/mesh/v1/status").json();
			JsonNode frontendStatus = null;
			for (JsonNode sidecar : status) {
				if (sidecar.get("service").asString().equals("frontend")) {
					frontendStatus = sidecar;
				}
			}
			assertThat(frontendStatus).isNotNull();
			assertThat(frontendStatus.get("state").asString()).isEqualTo("SYNCED");
			assertThat(frontendStatus.toString()).contains(version);
		});
	}

	@Test
	void instanceThatStopsHeartbeatingLeavesTheEndpointSetWithinTheTtl() throws Exception {
		try (EchoApp extra = new EchoApp("orders-v3")) {
			Sidecar v3 = this.mesh.startSidecar("orders", Map.of("version", "v3"), extra.port(), Map.of());
			awaitRegistered("orders", 3);
			await().atMost(Duration.ofSeconds(5)).until(() -> endpointsSeenBy(this.frontend, "orders") == 3);

			long killed = System.nanoTime();
			v3.process().kill();
			awaitRegistered("orders", 2);
			Duration gone = Duration.ofNanos(System.nanoTime() - killed);
			// TTL 3 s in this cluster, swept every 200 ms.
			assertThat(gone).isLessThan(Duration.ofMillis(3000 + 200 + 1000));
			await().atMost(Duration.ofSeconds(2)).until(() -> endpointsSeenBy(this.frontend, "orders") == 2);
		}
	}

	private int endpointsSeenBy(Sidecar sidecar, String service) {
		return sidecar.mesh().path("endpoints").path(service).path("instances").size();
	}

	private void awaitRegistered(String service, int count) {
		this.mesh.awaitRegistered(service, count);
	}

	private Map<String, Integer> answers(int requests, Map<String, String> headers) {
		Map<String, Integer> counts = new java.util.TreeMap<>();
		Map<String, String> all = new java.util.HashMap<>(headers);
		all.put("Host", "orders");
		for (int i = 0; i < requests; i++) {
			Response response = HttpCall.get(this.frontend.outbound("/who"), all);
			assertThat(response.status()).as(response.body()).isEqualTo(200);
			counts.merge(response.header("x-echo-app"), 1, Integer::sum);
		}
		return counts;
	}

	private void awaitOnly(String app, Map<String, String> headers, Duration within) {
		await(app + " only").atMost(within.plusSeconds(1))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> answers(8, headers).keySet().equals(java.util.Set.of(app)));
	}

	@Test
	void inboundRateLimitAnswers429WithRetryAfterPerCallingServiceWithoutCallingTheApp() throws Exception {
		// The frontend's sidecar follows orders once it has called it.
		assertThat(HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")).status()).isEqualTo(200);
		try {
			PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(100, 0) + """
					  inbound:
					    rate-limit: { requests-per-second: 1, burst: 3, per-caller: true }
					""", this.frontend);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> this.ordersV1.mesh().path("inboundRateLimit").path("enabled").asBoolean());
			int before = this.ordersV1App.requests();
			int ok = 0;
			Response limited = null;
			long started = System.nanoTime();
			for (int i = 0; i < 10; i++) {
				Response response = HttpCall.get(this.frontend.outbound("/limited"), Map.of("Host", "orders"));
				if (response.status() == 200) {
					ok++;
				}
				else {
					assertThat(response.status()).isEqualTo(429);
					limited = response;
				}
			}
			double seconds = (System.nanoTime() - started) / 1e9;
			// A burst of 3, then 1 a second: at most 3 + the seconds elapsed got through.
			assertThat(ok).isBetween(3, 3 + (int) Math.ceil(seconds));
			assertThat(limited).isNotNull();
			assertThat(limited.header("x-trellis-error")).isEqualTo("rate-limited");
			assertThat(Integer.parseInt(limited.header("retry-after"))).isBetween(1, 2);
			assertThat(limited.json().get("message").asString()).contains("requests from frontend per second");
			// Refused requests never reached the application.
			assertThat(this.ordersV1App.requests() - before).isEqualTo(ok);

			// Another calling service has a bucket of its own.
			Response other = HttpCall.get("http://127.0.0.1:" + this.ordersV1.inboundPort() + "/limited",
					Map.of("Host", "orders", "x-trellis-source", "billing"));
			assertThat(other.status()).isEqualTo(200);

			// After Retry-After, the caller gets through again.
			Thread.sleep(Integer.parseInt(limited.header("retry-after")) * 1000L + 100);
			assertThat(HttpCall.get(this.frontend.outbound("/limited"), Map.of("Host", "orders")).status())
				.isEqualTo(200);
			JsonNode tokens = this.ordersV1.mesh().path("inboundRateLimit").path("tokens");
			assertThat(tokens.has("frontend")).isTrue();
			assertThat(tokens.has("billing")).isTrue();
		}
		catch (Throwable failure) {
			restoreOrdersPolicy(failure);
			throw failure;
		}
		restoreOrdersPolicy(null);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> !this.ordersV1.mesh().path("inboundRateLimit").path("enabled").asBoolean());
	}

	@Test
	void concurrencyLimitQueuesThenShedsCallsBeyondItAndTheServiceNeverSeesMore() throws Exception {
		assertThat(HttpCall.get(this.frontend.outbound("/who"), Map.of("Host", "orders")).status()).isEqualTo(200);
		java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(10);
		try {
			PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(100, 0) + """
					  concurrency-limit: { max-in-flight: 2, max-pending: 2 }
					""", this.frontend);
			this.ordersV1App.setDelay(Duration.ofMillis(600));
			this.ordersV1App.resetMaxInFlight();
			List<java.util.concurrent.Future<Response>> calls = new java.util.ArrayList<>();
			for (int i = 0; i < 10; i++) {
				calls.add(callers.submit(() -> {
					long started = System.nanoTime();
					Response response = HttpCall.get(this.frontend.outbound("/busy"), Map.of("Host", "orders"));
					if (response.status() == 503) {
						// Shed at once, not after waiting for the service.
						assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
					}
					return response;
				}));
			}
			int ok = 0;
			int shed = 0;
			for (java.util.concurrent.Future<Response> call : calls) {
				Response response = call.get(30, java.util.concurrent.TimeUnit.SECONDS);
				if (response.status() == 200) {
					ok++;
				}
				else {
					assertThat(response.status()).isEqualTo(503);
					assertThat(response.header("x-trellis-error")).isEqualTo("overloaded");
					shed++;
				}
			}
			// 2 in flight and 2 waiting got through; the rest, sent while those were held, were
			// shed. The app never had more than 2 at once.
			assertThat(ok).isGreaterThanOrEqualTo(4);
			assertThat(shed).isGreaterThanOrEqualTo(1);
			assertThat(ok + shed).isEqualTo(10);
			assertThat(this.ordersV1App.maxInFlight()).isLessThanOrEqualTo(2);
			JsonNode limiter = this.frontend.mesh().path("concurrencyLimits").path("orders");
			assertThat(limiter.path("limit").asInt()).isEqualTo(2);
			assertThat(limiter.path("rejected").asLong()).isEqualTo(shed);
			assertThat(limiter.path("inFlight").asInt()).isZero();
		}
		catch (Throwable failure) {
			restoreOrdersPolicy(failure);
			throw failure;
		}
		finally {
			callers.shutdownNow();
			this.ordersV1App.setDelay(Duration.ZERO);
		}
		restoreOrdersPolicy(null);
	}

	/** Puts back the class's usual orders policy; after a failure, without hiding it. */
	private void restoreOrdersPolicy(Throwable failure) {
		try {
			PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", ordersPolicy(50, 50),
					this.frontend);
		}
		catch (RuntimeException | AssertionError ex) {
			if (failure == null) {
				throw ex;
			}
			failure.addSuppressed(ex);
		}
	}

	static String ordersPolicy(int v1, int v2) {
		return """
				mesh.policy:
				  subsets: { v1: { version: v1 }, v2: { version: v2 } }
				  routes:
				    - to: [ { subset: v1, weight: %d }, { subset: v2, weight: %d } ]
				""".formatted(v1, v2);
	}

}
