package io.trellis.gateway.health;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.core.policy.HealthCheck;
import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.ServiceEndpoints;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.loadbalancer.ServiceBalancer;
import io.trellis.gateway.metrics.MeshMetrics;
import io.trellis.gateway.route.MeshExchangeAttributes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Active health checks against real HTTP servers: an endpoint whose health path fails (an
 * error status, no answer in time, a refused connection) leaves load balancing after the
 * unhealthy threshold and comes back after the healthy threshold; settings apply live.
 */
class HealthChecksTests {

	private static final HealthCheck FAST = new HealthCheck(true, "/health", Duration.ofMillis(100),
			Duration.ofMillis(80), 2, 2);

	private final List<App> apps = new ArrayList<>();

	private final EndpointRegistry registry = new EndpointRegistry();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private MeshLoadBalancers balancers;

	private HealthChecks checks;

	@BeforeEach
	void setUp() {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 1; i <= 3; i++) {
			App app = new App();
			this.apps.add(app);
			endpoints.add(new Endpoint("o-" + i, "127.0.0.1", app.server.port(), Map.of()));
		}
		this.registry.update(new ServiceEndpoints("orders", 1, endpoints));
		this.balancers = new MeshLoadBalancers(this.registry);
		this.checks = new HealthChecks(this.balancers, new MeshMetrics(this.meters));
	}

	@AfterEach
	void tearDown() {
		this.checks.destroy();
		this.apps.forEach((app) -> app.server.disposeNow());
	}

	@Test
	void anEndpointFailingItsChecksLeavesLoadBalancingAndComesBackWhenItPasses() {
		this.checks.configure("orders", FAST);
		ServiceBalancer balancer = this.balancers.get("orders");
		await().atMost(Duration.ofSeconds(5)).until(() -> this.apps.stream().allMatch((app) -> app.checks() >= 2));
		assertThat(chosen(balancer, 300)).containsExactlyInAnyOrder("o-1", "o-2", "o-3");

		this.apps.get(1).status = 503;
		await().atMost(Duration.ofSeconds(5)).until(() -> balancer.health().isUnhealthy("o-2"));
		assertThat(chosen(balancer, 300)).containsExactlyInAnyOrder("o-1", "o-3");
		assertThat(balancer.health().describe("o-2")).containsEntry("healthy", false)
			.containsEntry("lastResult", "status 503");
		assertThat(this.meters.counter("trellis.health.transitions", "destination", "orders", "to", "unhealthy")
			.count()).isEqualTo(1.0);
		assertThat(this.meters.counter("trellis.health.checks", "destination", "orders", "result", "failed").count())
			.isGreaterThanOrEqualTo(2.0);

		this.apps.get(1).status = 200;
		await().atMost(Duration.ofSeconds(5)).until(() -> !balancer.health().isUnhealthy("o-2"));
		assertThat(chosen(balancer, 300)).containsExactlyInAnyOrder("o-1", "o-2", "o-3");
		assertThat(this.meters.counter("trellis.health.transitions", "destination", "orders", "to", "healthy").count())
			.isEqualTo(1.0);
	}

	@Test
	void aCheckUnansweredInTimeOrRefusedFailsAndWhenAllFailAllAreUsed() {
		this.checks.configure("orders", FAST);
		ServiceBalancer balancer = this.balancers.get("orders");
		this.apps.get(0).delay = Duration.ofMillis(500);
		// o-3 moves to a port nothing listens on: its checks are refused.
		this.registry.update(new ServiceEndpoints("orders", 2, List.of(
				new Endpoint("o-1", "127.0.0.1", this.apps.get(0).server.port(), Map.of()),
				new Endpoint("o-2", "127.0.0.1", this.apps.get(1).server.port(), Map.of()),
				new Endpoint("o-3", "127.0.0.1", closedPort(), Map.of()))));
		await().atMost(Duration.ofSeconds(5))
			.until(() -> balancer.health().isUnhealthy("o-1") && balancer.health().isUnhealthy("o-3"));
		assertThat(balancer.health().describe("o-1").get("lastResult")).isEqualTo("no answer within 80 ms");
		assertThat(balancer.health().describe("o-3").get("lastResult").toString()).contains("Connection refused");
		assertThat(chosen(balancer, 200)).containsExactly("o-2");

		// Every endpoint failing: a guess beats refusing every request (Envoy's panic mode).
		this.apps.get(1).status = 500;
		await().atMost(Duration.ofSeconds(5)).until(() -> balancer.health().isUnhealthy("o-2"));
		assertThat(chosen(balancer, 300)).containsExactlyInAnyOrder("o-1", "o-2", "o-3");
	}

	@Test
	void checksCarryTheServiceAsHostAndFollowLiveChangesUntilTurnedOff() {
		this.checks.configure("orders", FAST);
		ServiceBalancer balancer = this.balancers.get("orders");
		App first = this.apps.get(0);
		await().atMost(Duration.ofSeconds(5)).until(() -> first.checks() >= 1);
		assertThat(first.hosts).containsOnly("orders");
		assertThat(first.userAgents).containsOnly("trellis-health-check");

		this.checks.configure("orders", new HealthCheck(true, "/ready", Duration.ofMillis(100), Duration.ofMillis(80),
				1, 1));
		await().atMost(Duration.ofSeconds(5)).until(() -> first.paths.contains("/ready"));
		first.status = 503;
		// One failure is enough now.
		await().atMost(Duration.ofSeconds(5)).until(() -> balancer.health().isUnhealthy("o-1"));

		this.checks.configure("orders", HealthCheck.DISABLED);
		assertThat(this.checks.isChecking("orders")).isFalse();
		assertThat(balancer.health()).isNull();
		assertThat(chosen(balancer, 300)).containsExactlyInAnyOrder("o-1", "o-2", "o-3");
		int after = first.checks();
		sleep(Duration.ofMillis(400));
		assertThat(first.checks()).as("checks after turning them off").isLessThanOrEqualTo(after + 1);
	}

	@Test
	void endpointsThatLeaveAreForgottenAndNewOnesAreChecked() {
		this.checks.configure("orders", FAST);
		ServiceBalancer balancer = this.balancers.get("orders");
		this.apps.get(2).status = 503;
		await().atMost(Duration.ofSeconds(5)).until(() -> balancer.health().isUnhealthy("o-3"));
		App fourth = new App();
		this.apps.add(fourth);
		this.registry.update(new ServiceEndpoints("orders", 2, List.of(
				new Endpoint("o-1", "127.0.0.1", this.apps.get(0).server.port(), Map.of()),
				new Endpoint("o-4", "127.0.0.1", fourth.server.port(), Map.of()))));
		await().atMost(Duration.ofSeconds(5)).until(() -> fourth.checks() >= 1 && !balancer.health().anyUnhealthy());
		assertThat(balancer.health().describe("o-3")).containsEntry("checks", 0);
	}

	/** The endpoints chosen in {@code times} round-robin choices (which, unlike P2C, reach every candidate). */
	private static Set<String> chosen(ServiceBalancer balancer, int times) {
		Map<String, Object> attributes = Map.of(MeshExchangeAttributes.LOAD_BALANCING_ATTR, new LoadBalancing(
				LoadBalancing.Type.ROUND_ROBIN, LoadBalancing.DEFAULT_DECAY, LoadBalancing.DEFAULT_RTT));
		DefaultRequest<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(new RequestData(
				HttpMethod.GET, URI.create("http://orders/"), new HttpHeaders(), new LinkedMultiValueMap<>(),
				attributes)));
		Set<String> chosen = new HashSet<>();
		for (int i = 0; i < times; i++) {
			chosen.add(balancer.choose(request).block().getServer().getInstanceId());
		}
		return chosen;
	}

	private static int closedPort() {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** An application answering its health path with a status and delay the test sets. */
	static final class App {

		volatile int status = 200;

		volatile Duration delay = Duration.ZERO;

		final List<String> hosts = new CopyOnWriteArrayList<>();

		final List<String> userAgents = new CopyOnWriteArrayList<>();

		final Set<String> paths = ConcurrentHashMap.newKeySet();

		private final java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();

		final DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> {
				this.checks.incrementAndGet();
				this.paths.add(request.uri());
				this.hosts.add(request.requestHeaders().get("host"));
				this.userAgents.add(request.requestHeaders().get("user-agent"));
				Mono<Void> wait = this.delay.isZero() ? Mono.empty() : Mono.delay(this.delay).then();
				return wait.then(response.status(this.status).sendString(Mono.just("{}")).then());
			})
			.bindNow();

		int checks() {
			return this.checks.get();
		}

	}

}
