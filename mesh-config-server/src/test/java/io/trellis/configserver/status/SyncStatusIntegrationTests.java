package io.trellis.configserver.status;

import java.nio.file.Path;
import java.time.Duration;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.policy.PolicyDirectory;
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
import static org.awaitility.Awaitility.await;

/** Sidecars' ACK/NACK reports over HTTP, and the status operators read. */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "mesh.control-plane.policy.poll-interval=100ms")
@DirtiesContext
class SyncStatusIntegrationTests {

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
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void reportOfServedVersionShowsSynced() {
		String orders = served("orders");
		assertThat(report("checkout-1", "orders", orders, null)).isEqualTo(204);

		JsonNode sidecar = sidecar("checkout-1");
		assertThat(sidecar.path("service").asString()).isEqualTo("checkout");
		assertThat(sidecar.path("instance").asString()).isEqualTo("checkout-1");
		assertThat(sidecar.path("state").asString()).isEqualTo("SYNCED");
		JsonNode policy = sidecar.path("policies").path(0);
		assertThat(policy.path("service").asString()).isEqualTo("orders");
		assertThat(policy.path("served").asString()).isEqualTo(orders);
		assertThat(policy.path("applied").asString()).isEqualTo(orders);
		assertThat(policy.path("state").asString()).isEqualTo("SYNCED");
	}

	@Test
	void nackOfServedVersionShowsRejectedWithReason() {
		String before = served("payments");
		report("checkout-2", "payments", before, null);
		policy.write("payments.yml", "mesh.policy.timeout: 3s\n");
		String after = await().atMost(Duration.ofSeconds(5))
			.until(() -> served("payments"), (version) -> !version.equals(before));
		assertThat(sidecar("checkout-2").path("state").asString()).isEqualTo("STALE");

		report("checkout-2", "payments", before, after);

		JsonNode sidecar = sidecar("checkout-2");
		assertThat(sidecar.path("state").asString()).isEqualTo("REJECTED");
		JsonNode policy = sidecar.path("policies").path(0);
		assertThat(policy.path("applied").asString()).isEqualTo(before);
		assertThat(policy.path("rejected").asString()).isEqualTo(after);
		assertThat(policy.path("reason").asString()).isEqualTo("route compile failed");
		assertThat(policy.path("state").asString()).isEqualTo("REJECTED");
	}

	@Test
	void deregisteringAnInstanceForgetsItsSidecar() {
		this.client.put("/mesh/v1/registry/checkout/checkout-3", "{\"host\": \"127.0.0.1\", \"port\": 8083}");
		report("checkout-3", "orders", served("orders"), null);
		assertThat(sidecar("checkout-3")).isNotNull();

		assertThat(this.client.delete("/mesh/v1/registry/checkout/checkout-3").status()).isEqualTo(204);

		assertThat(sidecarOrNull("checkout-3")).isNull();
	}

	private String served(String service) {
		return this.client.get("/config/" + service + "/default").json().path("version").asString();
	}

	private int report(String sidecar, String service, String applied, String rejected) {
		String body = """
				{"sidecar": "%s", "service": "checkout", "instance": "%s",
				 "policies": [{"service": "%s", "applied": "%s", "rejected": %s, "reason": %s}]}
				""".formatted(sidecar, sidecar, service, applied, (rejected != null) ? "\"" + rejected + "\"" : "null",
				(rejected != null) ? "\"route compile failed\"" : "null");
		return this.client.post("/mesh/v1/sync", body).status();
	}

	private JsonNode sidecar(String id) {
		JsonNode sidecar = sidecarOrNull(id);
		assertThat(sidecar).as("status of " + id).isNotNull();
		return sidecar;
	}

	private JsonNode sidecarOrNull(String id) {
		for (JsonNode sidecar : this.client.get("/mesh/v1/status").json()) {
			if (sidecar.path("sidecar").asString().equals(id)) {
				return sidecar;
			}
		}
		return null;
	}

}
