package io.trellis.configserver.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import io.trellis.configserver.policy.PolicyDirectory;
import io.trellis.configserver.watch.WatchHub;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The registry over HTTP on a real port, with a short TTL so expiry is seen for real. */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "mesh.control-plane.registry.ttl=1s", "mesh.control-plane.registry.sweep-interval=100ms",
				"mesh.control-plane.registry.warmup=0s" })
@DirtiesContext
class RegistryApiIntegrationTests {

	private static final Duration TTL = Duration.ofSeconds(1);

	private static final Duration SWEEP = Duration.ofMillis(100);

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	@Autowired
	WatchHub hub;

	ControlPlaneClient client;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> PolicyDirectory.searchLocation(dir));
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void registeredInstancesAreListedAndDeregistered() {
		Response registered = register("orders", "orders-1", 8081, "{\"version\": \"v1\"}");
		assertThat(registered.status()).isEqualTo(200);
		assertThat(registered.json().path("ttlMillis").asLong()).isEqualTo(TTL.toMillis());
		register("orders", "orders-2", 8082, "{\"version\": \"v2\"}");
		register("catalog", "catalog-1", 8091, "{}");

		JsonNode orders = this.client.get("/mesh/v1/registry/orders").json();
		assertThat(orders.path("service").asString()).isEqualTo("orders");
		assertThat(orders.path("version").asLong()).isPositive();
		assertThat(instances(orders)).containsExactly("orders-1", "orders-2");
		JsonNode first = orders.path("endpoints").path(0);
		assertThat(first.path("host").asString()).isEqualTo("127.0.0.1");
		assertThat(first.path("port").asInt()).isEqualTo(8081);
		assertThat(first.path("labels").path("version").asString()).isEqualTo("v1");
		JsonNode all = this.client.get("/mesh/v1/registry").json();
		assertThat(instances(all.path("orders"))).containsExactly("orders-1", "orders-2");
		assertThat(instances(all.path("catalog"))).containsExactly("catalog-1");

		assertThat(this.client.delete("/mesh/v1/registry/orders/orders-1").status()).isEqualTo(204);
		assertThat(this.client.delete("/mesh/v1/registry/orders/orders-1").status()).isEqualTo(404);
		assertThat(this.client.delete("/mesh/v1/registry/nobody/orders-1").status()).isEqualTo(404);
		JsonNode after = this.client.get("/mesh/v1/registry/orders").json();
		assertThat(instances(after)).containsExactly("orders-2");
		assertThat(after.path("version").asLong()).isGreaterThan(orders.path("version").asLong());
		assertThat(instances(this.client.get("/mesh/v1/services/orders").json())).containsExactly("orders-2");
	}

	@Test
	void instanceThatStopsHeartbeatingExpiresWithinTtlWhileOneThatHeartbeatsStays() {
		long sent = System.nanoTime();
		register("payments", "silent", 8081, "{}");
		long acknowledged = System.nanoTime();
		register("payments", "alive", 8082, "{}");

		await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
			assertThat(register("payments", "alive", 8082, "{}").status()).isEqualTo(200);
			return !instances(this.client.get("/mesh/v1/registry/payments").json()).contains("silent");
		});
		long gone = System.nanoTime();

		assertThat(Duration.ofNanos(gone - sent)).isGreaterThanOrEqualTo(TTL);
		// Expired by the first sweep after the TTL; the rest is this test's polling.
		assertThat(Duration.ofNanos(gone - acknowledged)).isLessThan(TTL.plus(SWEEP).plusMillis(500));
		// Registered as long ago as the silent one, but kept alive by its heartbeats.
		assertThat(instances(this.client.get("/mesh/v1/registry/payments").json())).containsExactly("alive");
	}

	@Test
	void registrationCompletesHeldWatchOfThatService() throws Exception {
		JsonNode state = this.client.get("/mesh/v1/services/inventory").json();
		CompletableFuture<Response> watch = this.client.postAsync("/mesh/v1/watch", """
				{"sidecar": "checkout-1", "services": {"inventory": {"policy": "%s", "endpoints": %d}},
				 "waitMillis": 10000}
				""".formatted(state.path("policyVersion").asString(), state.path("endpointsVersion").asLong()));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == 1);

		register("inventory", "inventory-1", 8093, "{\"zone\": \"a\"}");

		Response response = watch.get(5, TimeUnit.SECONDS);
		assertThat(response.status()).isEqualTo(200);
		JsonNode inventory = response.json().path("services").path("inventory");
		assertThat(inventory.path("known").asBoolean()).isTrue();
		assertThat(inventory.path("endpointsVersion").asLong()).isGreaterThan(state.path("endpointsVersion").asLong());
		assertThat(instances(inventory)).containsExactly("inventory-1");
	}

	private Response register(String service, String instance, int port, String labels) {
		return this.client.put("/mesh/v1/registry/" + service + "/" + instance,
				"{\"host\": \"127.0.0.1\", \"port\": " + port + ", \"labels\": " + labels + "}");
	}

	private static List<String> instances(JsonNode endpoints) {
		List<String> instances = new ArrayList<>();
		for (JsonNode endpoint : endpoints.path("endpoints")) {
			instances.add(endpoint.path("instance").asString());
		}
		return instances;
	}

}
