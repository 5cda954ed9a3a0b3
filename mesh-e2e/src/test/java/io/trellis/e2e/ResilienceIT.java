package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries and deadlines on a real mesh: three instances of {@code orders}, each an app behind
 * its own sidecar, called through the caller's sidecar. A request whose deadline has passed
 * is refused without calling the app, at whichever hop finds it so; the deadline travels
 * counted down; killing an instance under load fails no request; POST is retried only on a
 * route that says so; and the retry budget keeps a failing service's extra load near 20%.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ResilienceIT {

	MeshCluster mesh;

	Path policy;

	Sidecar frontend;

	final List<EchoApp> apps = new ArrayList<>();

	final List<Sidecar> instances = new ArrayList<>();

	@BeforeAll
	void startMesh(@TempDir Path work) throws Exception {
		this.policy = Files.createDirectories(work.resolve("policy"));
		PolicyFiles.write(this.policy, "application", "mesh.policy.timeout: 5s\n");
		PolicyFiles.write(this.policy, "orders", "mesh.policy.timeout: 5s\n");
		this.mesh = new MeshCluster("ResilienceIT", work);
		this.mesh.startControlPlane(this.policy, Map.of());
		EchoApp frontendApp = this.mesh.startApp("frontend");
		this.frontend = this.mesh.startSidecar("frontend", Map.of("version", "v1"), frontendApp.port(), Map.of());
		for (int i = 1; i <= 3; i++) {
			EchoApp app = this.mesh.startApp("orders-" + i);
			this.apps.add(app);
			this.instances.add(this.mesh.startSidecar("orders", Map.of("version", "v1"), app.port(), Map.of()));
		}
		this.mesh.awaitRegistered("orders", 3);
		MeshCluster.awaitFollowed(this.frontend, "orders", 3);
	}

	@AfterAll
	void stopMesh() {
		if (this.mesh != null) {
			this.mesh.close();
		}
	}

	@AfterEach
	void healthyAgain() {
		this.apps.forEach((app) -> {
			app.setStatus(200);
			app.setHealthStatus(200);
			app.setDelay(Duration.ZERO);
		});
	}

	@Test
	@Order(0)
	void aRequestWhoseDeadlineHasPassedIsRefusedWithoutCallingTheApp() {
		int before = received();
		Response atTheCaller = HttpCall.get(this.frontend.outbound("/orders"),
				Map.of("Host", "orders", "x-trellis-timeout-ms", "0"));
		assertThat(atTheCaller.status()).isEqualTo(504);
		assertThat(atTheCaller.header("x-trellis-error")).isEqualTo("deadline-exceeded");

		// The second hop, the destination's sidecar, finds it so: the app is not called.
		Sidecar orders = this.instances.get(0);
		Response atTheSecondHop = HttpCall.get("http://127.0.0.1:" + orders.inboundPort() + "/orders",
				Map.of("Host", "orders", "x-trellis-timeout-ms", "0"));
		assertThat(atTheSecondHop.status()).isEqualTo(504);
		assertThat(atTheSecondHop.header("x-trellis-error")).isEqualTo("deadline-exceeded");
		assertThat(atTheSecondHop.json().get("message").asString()).contains("application was not called");

		assertThat(received()).isEqualTo(before);
		assertThat(metric("trellis_mesh_errors_total", "reason=\"deadline-exceeded\"")).isGreaterThanOrEqualTo(1.0);
		Response malformed = HttpCall.get(this.frontend.outbound("/orders"),
				Map.of("Host", "orders", "x-trellis-timeout-ms", "soon"));
		assertThat(malformed.status()).isEqualTo(400);
		assertThat(malformed.json().get("message").asString()).contains("x-trellis-timeout-ms", "'soon'");
	}

	@Test
	@Order(0)
	void theDeadlineTravelsCountedDownAndCutsACallThatWouldOutliveIt() {
		Response plain = get();
		long routeTimeout = Long.parseLong(plain.json().get("headers").get("x-trellis-timeout-ms").asString());
		assertThat(routeTimeout).as("the policy's 5 s timeout, counted down").isBetween(4000L, 5000L);

		Response carried = HttpCall.get(this.frontend.outbound("/orders"),
				Map.of("Host", "orders", "x-trellis-timeout-ms", "3000"));
		assertThat(Long.parseLong(carried.json().get("headers").get("x-trellis-timeout-ms").asString()))
			.isBetween(2000L, 3000L);

		Response grpc = HttpCall.get(this.frontend.outbound("/orders"), Map.of("Host", "orders", "grpc-timeout", "2S"));
		String grpcLeft = grpc.json().get("headers").get("grpc-timeout").asString();
		assertThat(grpcLeft).endsWith("m");
		assertThat(Long.parseLong(grpcLeft.substring(0, grpcLeft.length() - 1))).isBetween(1000L, 2000L);

		this.apps.forEach((app) -> app.setDelay(Duration.ofMillis(600)));
		long started = System.nanoTime();
		Response cut = HttpCall.get(this.frontend.outbound("/orders"),
				Map.of("Host", "orders", "x-trellis-timeout-ms", "150"));
		Duration took = Duration.ofNanos(System.nanoTime() - started);
		assertThat(cut.status()).isEqualTo(504);
		assertThat(cut.header("x-trellis-error")).isEqualTo("deadline-exceeded");
		assertThat(took).isLessThan(Duration.ofMillis(550));
	}

	@Test
	@Order(2)
	void postIsNotRetriedByDefaultAndIsOnARouteMarkedRetryable() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 5s
				  retries: { attempts: 2, retry-on: [ gateway-error ], backoff: { base: 1ms, max: 5ms } }
				  routes:
				    - match: { headers: { x-retryable: "yes" } }
				      retryable: true
				      to: [ { weight: 1 } ]
				""", this.frontend);
		this.apps.forEach((app) -> app.setStatus(503));

		int before = received();
		Response post = HttpCall.call(HttpMethod.POST, this.frontend.outbound("/orders"), Map.of("Host", "orders"),
				"{\"sku\":\"tea\"}");
		assertThat(post.status()).isEqualTo(503);
		assertThat(post.header("x-trellis-retries")).isNull();
		assertThat(received() - before).as("tries of a POST by default").isEqualTo(1);

		before = received();
		Response get = get();
		assertThat(get.status()).isEqualTo(503);
		assertThat(get.header("x-trellis-retries")).isEqualTo("2");
		assertThat(received() - before).as("tries of a GET").isEqualTo(3);

		before = received();
		Response retryablePost = HttpCall.call(HttpMethod.POST, this.frontend.outbound("/orders"),
				Map.of("Host", "orders", "x-retryable", "yes"), "{\"sku\":\"tea\"}");
		assertThat(retryablePost.status()).isEqualTo(503);
		assertThat(received() - before).as("tries of a POST on a retryable route").isEqualTo(3);

		// One instance healthy again: the retries find it, and the body arrives whole there.
		this.apps.get(1).setStatus(200);
		for (int i = 0; i < 10; i++) {
			Response retried = HttpCall.call(HttpMethod.POST, this.frontend.outbound("/orders"),
					Map.of("Host", "orders", "x-retryable", "yes"), "{\"sku\":\"tea\"}");
			assertThat(retried.status()).isEqualTo(200);
			assertThat(retried.json().get("app").asString()).isEqualTo("orders-2");
			assertThat(retried.json().get("body").asString()).isEqualTo("{\"sku\":\"tea\"}");
		}
	}

	@Test
	@Order(3)
	void aFailingServiceSeesAtMostAboutAFifthMoreLoadFromRetries() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 5s
				  retries:
				    attempts: 3
				    retry-on: [ gateway-error ]
				    backoff: { base: 1ms, max: 2ms }
				    budget: { ratio: 0.2, min-per-second: 1, window: 8s }
				""", this.frontend);
		this.apps.forEach((app) -> app.setStatus(503));
		int requests = 300;
		int before = received();
		int budgetExhausted = 0;
		long started = System.nanoTime();
		for (int i = 0; i < requests; i++) {
			Response response = get();
			assertThat(response.status()).isEqualTo(503);
			if ("retry-budget-exhausted".equals(response.header("x-trellis-error"))) {
				budgetExhausted++;
			}
		}
		int received = received() - before;
		double seconds = (System.nanoTime() - started) / 1e9;
		System.out.println("ResilienceIT: " + requests + " requests to a service failing all of them reached it "
				+ received + " times; " + budgetExhausted + " answers said the retry budget was spent");
		// Without the budget: 4 tries each (1200). With it: 20% more, plus the minimum of 1/s
		// for each 8 s window the run spans (a window of another length than the earlier
		// tests' starts the count afresh).
		int minimum = 8 * (int) Math.ceil(seconds / 8);
		System.out.println("ResilienceIT: the budget allowed at most " + ((int) (requests * 1.2) + minimum)
				+ " in " + Math.round(seconds * 10) / 10.0 + " s");
		assertThat(received).isLessThanOrEqualTo((int) (requests * 1.2) + minimum + 2);
		assertThat(received).isGreaterThan(requests);
		assertThat(budgetExhausted).isPositive();
		// Counted by destination and by route: this policy's only route is the catch-all, "default".
		assertThat(metric("trellis_retry_budget_exhausted_total", "destination=\"orders\"", "route=\"default\""))
			.isGreaterThanOrEqualTo(budgetExhausted);
		assertThat(metric("trellis_retries_total", "destination=\"orders\"", "route=\"default\""))
			.isGreaterThanOrEqualTo(received - requests);
		JsonNode budget = this.frontend.mesh().path("policies").path("orders").path("retries").path("budget");
		assertThat(budget.path("exhausted").asLong()).isGreaterThanOrEqualTo(budgetExhausted);
		assertThat(budget.path("retriesInWindow").asLong()).isPositive().isLessThanOrEqualTo(received - requests);
		assertThat(budget.path("requestsInWindow").asLong()).isLessThanOrEqualTo(requests);
	}

	@Test
	@Order(4)
	void theCircuitBreakerOpensOnFailuresRefusesCallsAndClosesAfterProbes() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 5s
				  retries: { attempts: 0 }
				  circuit-breaker:
				    failure-rate: 50
				    minimum-calls: 10
				    window: 10s
				    wait-in-open: 2s
				    half-open-calls: 2
				""", this.frontend);
		assertThat(breaker().path("state").asString()).isEqualTo("CLOSED");
		this.apps.forEach((app) -> app.setStatus(503));
		int before = received();
		int open = 0;
		for (int i = 0; i < 30; i++) {
			Response response = get();
			assertThat(response.status()).isEqualTo(503);
			if ("circuit-open".equals(response.header("x-trellis-error"))) {
				open++;
			}
		}
		int reached = received() - before;
		System.out.println("ResilienceIT: of 30 calls to a failing service, " + reached + " reached it and " + open
				+ " were refused by the open circuit breaker");
		assertThat(reached).as("calls before the breaker opened").isEqualTo(10);
		assertThat(open).isEqualTo(20);
		JsonNode breaker = breaker();
		assertThat(breaker.path("state").asString()).isEqualTo("OPEN");
		// Resilience4j's own count of refused calls (it may miss the one refused as it opened).
		assertThat(breaker.path("notPermittedCalls").asLong()).isBetween(19L, 20L);
		assertThat(metric("trellis_circuit_breaker_state", "destination=\"orders\"")).isEqualTo(1.0);
		assertThat(metric("trellis_mesh_errors_total", "destination=\"orders\"", "reason=\"circuit-open\""))
			.isEqualTo(20.0);

		// Healthy again: after the wait, probes close the breaker.
		this.apps.forEach((app) -> app.setStatus(200));
		await("the breaker lets probes through and closes").atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> get().status() == 200 && breaker().path("state").asString().equals("CLOSED"));
		for (int i = 0; i < 10; i++) {
			assertThat(get().status()).isEqualTo(200);
		}

		// Off again, live.
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", "mesh.policy.timeout: 5s\n",
				this.frontend);
		assertThat(breaker().path("enabled").asBoolean()).isFalse();
	}

	/** A counter or gauge from the frontend sidecar's Prometheus endpoint, summed over matching series. */
	private double metric(String name, String... labels) {
		String scrape = HttpCall.get("http://127.0.0.1:" + this.frontend.adminPort() + "/actuator/prometheus").body();
		double sum = 0;
		for (String line : scrape.split("\n")) {
			if (!line.startsWith(name + "{")) {
				continue;
			}
			boolean matches = true;
			for (String label : labels) {
				matches &= line.contains(label);
			}
			if (matches) {
				sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		return sum;
	}

	private JsonNode breaker() {
		return this.frontend.mesh().path("policies").path("orders").path("circuitBreaker");
	}

	@Test
	@Order(1)
	void anInstanceFailingActiveHealthChecksGetsNoTrafficUntilItPassesAgain() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 5s
				  load-balancer: { type: round-robin }
				  health-check: { path: /health, interval: 200ms, timeout: 150ms, unhealthy-threshold: 2, healthy-threshold: 2 }
				""", this.frontend);
		EchoApp sick = this.apps.get(2);
		String sickInstance = this.instances.get(2).instanceId();
		await("the caller's sidecar checks each instance").atMost(Duration.ofSeconds(10))
			.until(() -> this.apps.stream().allMatch((app) -> app.healthChecks() >= 2));

		sick.setHealthStatus(503);
		await("the instance is found unhealthy").atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> !healthOf(sickInstance).path("healthy").asBoolean(true));
		int before = sick.requests();
		for (int i = 0; i < 30; i++) {
			Response response = get();
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.json().get("app").asString()).isNotEqualTo("orders-3");
		}
		assertThat(sick.requests()).as("requests to the unhealthy instance").isEqualTo(before);
		assertThat(healthOf(sickInstance).path("lastResult").asString()).isEqualTo("status 503");
		assertThat(metric("trellis_health_transitions_total", "destination=\"orders\"", "to=\"unhealthy\""))
			.isEqualTo(1.0);

		sick.setHealthStatus(200);
		await("the instance is back after passing its checks").atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> "orders-3".equals(get().json().get("app").asString()));
		assertThat(healthOf(sickInstance).path("healthy").asBoolean()).isTrue();

		// Turned off live: no more checks.
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", "mesh.policy.timeout: 5s\n",
				this.frontend);
		assertThat(this.frontend.mesh().path("policies").path("orders").path("healthCheck").path("enabled")
			.asBoolean(true)).isFalse();
		int checks = sick.healthChecks();
		await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2))
			.until(() -> sick.healthChecks() <= checks + 1);
	}

	private JsonNode healthOf(String instance) {
		return this.frontend.mesh().path("policies").path("orders").path("loadBalancer").path("endpoints")
			.path(instance).path("healthCheck");
	}

	@Test
	@Order(1)
	void anInstanceAnsweringErrorsIsEjectedAndComesBackThroughAProbe() {
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 5s
				  retries: { attempts: 0 }
				  # Each instance in turn, whatever latency the tests before left it with.
				  load-balancer: { type: round-robin }
				  outlier-detection: { consecutive-failures: 3, base-ejection-time: 2s }
				""", this.frontend);
		EchoApp failing = this.apps.get(0);
		String failingInstance = this.instances.get(0).instanceId();
		failing.setStatus(503);
		int before = failing.requests();
		int errors = 0;
		for (int i = 0; i < 60; i++) {
			if (get().status() == 503) {
				errors++;
			}
		}
		System.out.println("ResilienceIT: an instance answering 503 got " + (failing.requests() - before)
				+ " of 60 requests before and while ejected");
		assertThat(errors).as("failures before the instance was ejected").isEqualTo(3);
		assertThat(failing.requests() - before).isEqualTo(3);
		JsonNode endpoint = this.frontend.mesh().path("policies").path("orders").path("loadBalancer")
			.path("endpoints").path(failingInstance);
		assertThat(endpoint.path("ejected").asBoolean()).as("%s", endpoint).isTrue();
		assertThat(endpoint.path("timesEjected").asInt()).isEqualTo(1);
		assertThat(metric("trellis_outlier_ejections_total", "destination=\"orders\"")).isEqualTo(1.0);

		failing.setStatus(200);
		await("the instance is back after a probe").atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> "orders-1".equals(get().json().get("app").asString()));
		JsonNode back = this.frontend.mesh().path("policies").path("orders").path("loadBalancer")
			.path("endpoints").path(failingInstance);
		assertThat(back.path("ejected").asBoolean()).isFalse();
		assertThat(back.path("onProbation").asBoolean()).isFalse();
	}

	@Test
	@Order(5)
	void killingOneOfThreeInstancesUnderSteadyLoadFailsNoRequest() throws Exception {
		// Every instance back in service, whatever the tests before did to them...
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders",
				"mesh.policy:\n  timeout: 5s\n  outlier-detection: { enabled: false }\n", this.frontend);
		assertThat(get().status()).isEqualTo(200);
		// ...then the defaults (retries, outlier detection), with a balancer that remembers no
		// latency, so the instance to be killed has its share of the traffic.
		PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders",
				"mesh.policy:\n  timeout: 5s\n  load-balancer: { type: least-request }\n", this.frontend);
		Map<String, Integer> outcomes;
		try (Traffic first = new Traffic(this::get, Duration.ofMillis(2), 5000, Duration.ofSeconds(30));
				Traffic second = new Traffic(this::get, Duration.ofMillis(2), 5000, Duration.ofSeconds(30))) {
			await().atMost(Duration.ofSeconds(10)).until(() -> first.sent() + second.sent() > 200);
			this.instances.get(2).process().kill();
			// Through the kill, the registry's expiry of the instance (3 s here) and after.
			int atKill = first.sent() + second.sent();
			await().atMost(Duration.ofSeconds(20)).until(() -> registered() == 2);
			await().atMost(Duration.ofSeconds(10)).until(() -> first.sent() + second.sent() > atKill + 400);
			outcomes = new java.util.TreeMap<>(first.stop());
			second.stop().forEach((outcome, count) -> outcomes.merge(outcome, count, Integer::sum));
		}
		System.out.println("ResilienceIT: outcomes while an instance was killed: " + outcomes);
		outcomes.keySet().forEach((outcome) -> assertThat(outcome).as("every outcome, %s", outcomes).startsWith("200"));
		assertThat(outcomes).as("the killed instance had traffic").containsKey("200 orders-3");
	}

	private Response get() {
		return HttpCall.get(this.frontend.outbound("/orders"), Map.of("Host", "orders"));
	}

	private int received() {
		return this.apps.stream().mapToInt(EchoApp::requests).sum();
	}

	private int registered() {
		return this.mesh.registered("orders");
	}

}
