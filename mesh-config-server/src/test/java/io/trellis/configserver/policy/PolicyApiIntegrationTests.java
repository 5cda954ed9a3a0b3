package io.trellis.configserver.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import io.trellis.configserver.watch.WatchHub;
import org.junit.jupiter.api.BeforeAll;
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

/**
 * The control plane on a real port over a policy directory: Config Server's Environment API
 * serves only validated policy, the policy API shows why content was rejected, and a file
 * edit reaches a waiting watch quickly.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "mesh.control-plane.policy.poll-interval=100ms", "mesh.control-plane.watch.max-wait=10s",
				"mesh.control-plane.registry.warmup=0s" })
@DirtiesContext
class PolicyApiIntegrationTests {

	@TempDir
	static Path dir;

	static PolicyDirectory policy;

	@LocalServerPort
	int port;

	@Autowired
	WatchHub hub;

	ControlPlaneClient client;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> policy.searchLocation());
	}

	@BeforeAll
	static void writePolicy() {
		policy = new PolicyDirectory(dir);
		policy.write("application.yml", "mesh.policy.timeout: 5s\n");
		policy.write("orders.yml", """
				mesh:
				  policy:
				    timeout: 2s
				    subsets: { v1: { version: v1 }, v2: { version: v2 } }
				    routes:
				      - to: [ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]
				""");
		policy.write("catalog.yml", "mesh.policy.timeout: 2s\n");
		policy.write("payments.yml", "mesh.policy.timeout: 1s\n");
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void environmentApiServesValidatedPolicyWithPolicyVersion() {
		Response response = this.client.get("/config/orders/default");

		assertThat(response.status()).isEqualTo(200);
		JsonNode environment = response.json();
		String version = this.client.get("/mesh/v1/services/orders").json().path("policyVersion").asString();
		assertThat(version).matches("[0-9a-f]{12}");
		assertThat(environment.path("name").asString()).isEqualTo("orders");
		assertThat(environment.path("version").asString()).isEqualTo(version);
		JsonNode sources = environment.path("propertySources");
		assertThat(sources.size()).isEqualTo(2);
		assertThat(sources.path(0).path("name").asString()).endsWith("orders.yml");
		assertThat(sources.path(0).path("source").path("mesh.policy.timeout").asString()).isEqualTo("2s");
		assertThat(sources.path(0).path("source").path("mesh.policy.routes[0].to[1].weight").asInt()).isEqualTo(10);
		assertThat(sources.path(1).path("name").asString()).endsWith("application.yml");
		// Profiles and labels do not select policy; a labelled request goes through Config
		// Server's controller and gets the same answer the fast path gives the sidecars.
		JsonNode labelled = this.client.get("/config/orders/prod/some-label").json();
		assertThat(labelled.path("version").asString()).isEqualTo(version);
		assertThat(labelled).isEqualTo(environment);
		assertThat(this.client.get("/config/orders/prod").json()).isEqualTo(environment);
	}

	@Test
	void invalidEditKeepsLastValidVersionServedAndPolicyApiNamesFileFieldAndPosition() {
		JsonNode before = this.client.get("/config/catalog/default").json();
		String valid = before.path("version").asString();

		policy.write("catalog.yml", "mesh:\n  policy:\n    timeout: 2s\n    retries: 3\n");
		JsonNode status = await().atMost(Duration.ofSeconds(5))
			.until(() -> serviceStatus("catalog"), (catalog) -> !catalog.path("valid").asBoolean());

		assertThat(status.path("version").asString()).isEqualTo(valid);
		assertThat(status.path("rejectedVersion").asString()).isNotEqualTo(valid);
		JsonNode error = status.path("errors").path(0);
		assertThat(status.path("errors").size()).isEqualTo(1);
		assertThat(error.path("file").asString()).isEqualTo("catalog.yml");
		assertThat(error.path("field").asString()).isEqualTo("mesh.policy.retries");
		assertThat(error.path("position").asString()).isEqualTo("4:14");
		assertThat(error.path("reason").asString()).isNotBlank();

		JsonNode after = this.client.get("/config/catalog/default").json();
		assertThat(after.path("version").asString()).isEqualTo(valid);
		assertThat(after.path("propertySources")).isEqualTo(before.path("propertySources"));
		assertThat(this.client.get("/mesh/v1/services/catalog").json().path("policyVersion").asString())
			.isEqualTo(valid);

		policy.write("catalog.yml", "mesh.policy.timeout: 3s\n");
		JsonNode fixed = await().atMost(Duration.ofSeconds(5))
			.until(() -> serviceStatus("catalog"), (catalog) -> catalog.path("valid").asBoolean());
		assertThat(fixed.path("version").asString()).isNotEqualTo(valid);
		assertThat(this.client.get("/config/catalog/default").json().path("version").asString())
			.isEqualTo(fixed.path("version").asString());
	}

	@Test
	void editingPolicyFileCompletesHeldWatchWithinTwoSeconds() throws Exception {
		JsonNode state = this.client.get("/mesh/v1/services/payments").json();
		String held = state.path("policyVersion").asString();
		CompletableFuture<Response> watch = this.client.postAsync("/mesh/v1/watch", """
				{"sidecar": "checkout-1", "services": {"payments": {"policy": "%s", "endpoints": %d}},
				 "waitMillis": 10000}
				""".formatted(held, state.path("endpointsVersion").asLong()));
		await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == 1);
		assertThat(watch).isNotDone();

		long written = System.nanoTime();
		policy.write("payments.yml", "mesh.policy.timeout: 4s\n");
		Response response = watch.get(5, TimeUnit.SECONDS);
		Duration elapsed = Duration.ofNanos(System.nanoTime() - written);

		assertThat(response.status()).isEqualTo(200);
		String version = response.json().path("services").path("payments").path("policyVersion").asString();
		assertThat(version).isNotEqualTo(held);
		assertThat(elapsed).isLessThan(Duration.ofSeconds(2));
		JsonNode environment = this.client.get("/config/payments/default").json();
		assertThat(environment.path("version").asString()).isEqualTo(version);
		assertThat(environment.path("propertySources").path(0).path("source").path("mesh.policy.timeout").asString())
			.isEqualTo("4s");
	}

	@Test
	void badlyNamedFileIsReportedAsRepositoryError() {
		policy.write("Inventory.yml", "mesh.policy.timeout: 2s\n");

		JsonNode errors = await().atMost(Duration.ofSeconds(5))
			.until(() -> this.client.get("/mesh/v1/policy").json().path("repositoryErrors"),
					(repositoryErrors) -> repositoryErrors.size() > 0);
		assertThat(errors.path(0).path("file").asString()).isEqualTo("Inventory.yml");
		assertThat(errors.path(0).path("reason").asString()).contains("'Inventory'");

		policy.delete("Inventory.yml");
		await().atMost(Duration.ofSeconds(5))
			.until(() -> this.client.get("/mesh/v1/policy").json().path("repositoryErrors").size() == 0);
	}

	@Test
	void refreshWebhookAnswersWithoutRevisionForADirectory() {
		Response refresh = this.client.post("/mesh/v1/policy/refresh", "{\"ref\": \"refs/heads/main\"}");

		assertThat(refresh.status()).isEqualTo(200);
		assertThat(refresh.json().path("revision").isNull()).as(refresh.body()).isTrue();
		assertThat(refresh.json().path("changed").isArray()).isTrue();
		assertThat(this.client.get("/mesh/v1/policy").json().path("revision").isNull()).isTrue();
	}

	private JsonNode serviceStatus(String service) {
		for (JsonNode status : this.client.get("/mesh/v1/policy").json().path("services")) {
			if (status.path("service").asString().equals(service)) {
				return status;
			}
		}
		throw new AssertionError("no status for " + service);
	}

}
