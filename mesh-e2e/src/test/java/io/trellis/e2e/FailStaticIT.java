package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.trellis.e2e.support.EchoApp;
import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.MeshCluster;
import io.trellis.e2e.support.PolicyFiles;
import io.trellis.e2e.support.Sidecar;
import io.trellis.e2e.support.Traffic;
import org.junit.jupiter.api.AfterAll;
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
 * Fail static: the control plane stops, a sidecar restarts without it, the control plane
 * comes back; traffic through the sidecars succeeds all along. One scenario, in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailStaticIT {

	MeshCluster mesh;

	Path policy;

	Map<String, String> controlPlaneProperties = Map.of("mesh.control-plane.registry.warmup", "4s");

	Sidecar frontend;

	@BeforeAll
	void startMesh(@TempDir Path work) throws Exception {
		this.policy = Files.createDirectories(work.resolve("policy"));
		PolicyFiles.write(this.policy, "orders", """
				mesh.policy:
				  timeout: 3s
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v1 } ]
				""");
		this.mesh = new MeshCluster("FailStaticIT", work);
		this.mesh.startControlPlane(this.policy, this.controlPlaneProperties);
		EchoApp frontendApp = this.mesh.startApp("frontend");
		EchoApp orders = this.mesh.startApp("orders-v1");
		this.frontend = this.mesh.startSidecar("frontend", Map.of("version", "v1"), frontendApp.port(), Map.of());
		this.mesh.startSidecar("orders", Map.of("version", "v1"), orders.port(), Map.of());
		await().atMost(Duration.ofSeconds(30)).until(() -> call().status() == 200);
	}

	@AfterAll
	void stopMesh() {
		if (this.mesh != null) {
			this.mesh.close();
		}
	}

	@Test
	@Order(1)
	void trafficKeepsFlowingWhenTheControlPlaneStops() {
		try (Traffic traffic = traffic()) {
			await().until(() -> traffic.sent() > 20);
			this.mesh.controlPlane().process().stop();
			int sentWhenStopped = traffic.sent();
			await().atMost(Duration.ofSeconds(20)).until(() -> traffic.sent() > sentWhenStopped + 100);
			assertThat(traffic.stop()).containsOnlyKeys("200 orders-v1");
		}
		JsonNode mesh = this.frontend.mesh();
		assertThat(mesh.get("controlPlane").get("connected").asBoolean()).isFalse();
	}

	@Test
	@Order(2)
	void sidecarRestartedWhileTheControlPlaneIsDownServesFromItsStateFile() {
		this.frontend.restart();
		assertThat(call().status()).isEqualTo(200);
		assertThat(call().header("x-echo-app")).isEqualTo("orders-v1");
		JsonNode mesh = this.frontend.mesh();
		assertThat(mesh.get("controlPlane").get("connected").asBoolean()).isFalse();
		assertThat(mesh.get("policies").get("orders").get("restoredFromStateFile").asBoolean()).isTrue();
		assertThat(mesh.get("policies").get("orders").get("timeout").asString()).isEqualTo("PT3S");
	}

	@Test
	@Order(3)
	void controlPlaneRestartDoesNotInterruptTrafficAndSidecarsReconnect() {
		try (Traffic traffic = traffic()) {
			await().until(() -> traffic.sent() > 20);
			this.mesh.startControlPlane(this.policy, this.controlPlaneProperties);
			await("frontend reconnects").atMost(Duration.ofSeconds(20))
				.until(() -> this.frontend.mesh().get("controlPlane").get("connected").asBoolean());
			await("orders re-registers").atMost(Duration.ofSeconds(20))
				.until(() -> HttpCall.get(this.mesh.controlPlane().url() + "/mesh/v1/registry/orders")
					.json()
					.get("endpoints")
					.size() == 1);
			// After the warm-up the sidecar runs the new control plane's endpoint set.
			await("frontend takes the new control plane's endpoints").atMost(Duration.ofSeconds(20)).until(() -> {
				long served = HttpCall.get(this.mesh.controlPlane().url() + "/mesh/v1/registry/orders")
					.json()
					.get("version")
					.asLong();
				return this.frontend.mesh().path("endpoints").path("orders").path("version").asLong() == served;
			});
			int sentAfterWarmup = traffic.sent();
			await().atMost(Duration.ofSeconds(20)).until(() -> traffic.sent() > sentAfterWarmup + 50);
			assertThat(traffic.stop()).containsOnlyKeys("200 orders-v1");
		}
		String version = PolicyFiles.writeAndAwait(this.mesh.controlPlane(), this.policy, "orders", """
				mesh.policy:
				  timeout: 4s
				  subsets: { v1: { version: v1 } }
				  routes:
				    - to: [ { subset: v1 } ]
				""", this.frontend);
		JsonNode orders = this.frontend.mesh().get("policies").get("orders");
		assertThat(orders.get("version").asString()).isEqualTo(version);
		assertThat(orders.get("restoredFromStateFile").asBoolean()).isFalse();
	}

	private Traffic traffic() {
		return new Traffic(this::call, Duration.ofMillis(20), 5000, Duration.ofSeconds(90));
	}

	private HttpCall.Response call() {
		return HttpCall.get(this.frontend.outbound("/orders"), Map.of("Host", "orders"));
	}

}
