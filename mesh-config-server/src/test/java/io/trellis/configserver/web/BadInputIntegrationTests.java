package io.trellis.configserver.web;

import java.nio.file.Path;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import io.trellis.configserver.policy.PolicyDirectory;
import org.junit.jupiter.api.AfterEach;
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

/** Bad input to the control plane's API gets a 400 whose detail names the problem, and breaks nothing. */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class BadInputIntegrationTests {

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	ControlPlaneClient client;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> PolicyDirectory.searchLocation(dir));
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@AfterEach
	void controlPlaneStillServes() {
		assertThat(this.client.put("/mesh/v1/registry/orders/orders-1", "{\"host\": \"127.0.0.1\", \"port\": 8081}")
			.status()).isEqualTo(200);
		assertThat(this.client.get("/mesh/v1/registry/orders").status()).isEqualTo(200);
		assertThat(this.client.get("/config/orders/default").status()).isEqualTo(200);
	}

	@Test
	void malformedJsonIsRejectedAsMalformed() {
		JsonNode problem = badRequest(this.client.put("/mesh/v1/registry/orders/orders-1", "{\"host\": \"127.0.0.1\", "));
		assertThat(problem.path("detail").asString()).startsWith("Malformed request body");
	}

	@Test
	void missingBodyIsRejectedAsMalformed() {
		JsonNode problem = badRequest(this.client.put("/mesh/v1/registry/orders/orders-1", ""));
		assertThat(problem.path("detail").asString()).startsWith("Malformed request body");
	}

	@Test
	void wrongTypeIsRejectedNamingTheField() {
		JsonNode problem = badRequest(
				this.client.put("/mesh/v1/registry/orders/orders-1", "{\"host\": \"127.0.0.1\", \"port\": \"eighty\"}"));
		assertThat(problem.path("detail").asString()).contains("Malformed request body").contains("eighty");
	}

	@Test
	void invalidServiceNameIsRejectedNamingIt() {
		JsonNode problem = badRequest(
				this.client.put("/mesh/v1/registry/Orders_1/orders-1", "{\"host\": \"127.0.0.1\", \"port\": 8081}"));
		assertThat(problem.path("detail").asString()).contains("'Orders_1'").contains("not a valid service name");
		assertThat(badRequest(this.client.get("/mesh/v1/registry/Orders_1")).path("detail").asString())
			.contains("'Orders_1'");
		assertThat(badRequest(this.client.get("/mesh/v1/services/Orders_1")).path("detail").asString())
			.contains("'Orders_1'");
	}

	@Test
	void portZeroIsRejectedNamingIt() {
		JsonNode problem = badRequest(
				this.client.put("/mesh/v1/registry/orders/orders-2", "{\"host\": \"127.0.0.1\", \"port\": 0}"));
		assertThat(problem.path("detail").asString()).contains("port").contains("was 0");
		assertThat(this.client.get("/mesh/v1/registry/orders").json().path("endpoints").toString())
			.doesNotContain("orders-2");
	}

	@Test
	void missingHostIsRejectedNamingIt() {
		JsonNode problem = badRequest(this.client.put("/mesh/v1/registry/orders/orders-2", "{\"port\": 8082}"));
		assertThat(problem.path("detail").asString()).contains("host");
	}

	@Test
	void watchNamingInvalidServiceIsRejectedNamingIt() {
		JsonNode problem = badRequest(this.client.post("/mesh/v1/watch",
				"{\"sidecar\": \"s-1\", \"services\": {\"Orders\": {\"policy\": null, \"endpoints\": -1}}, \"waitMillis\": 1000}"));
		assertThat(problem.path("detail").asString()).contains("'Orders'");
	}

	@Test
	void watchWithNullEntryIsRejectedAsMalformed() {
		JsonNode problem = badRequest(this.client.post("/mesh/v1/watch",
				"{\"sidecar\": \"s-1\", \"services\": {\"orders\": null}, \"waitMillis\": 1000}"));
		assertThat(problem.path("detail").asString()).startsWith("Malformed request body");
	}

	@Test
	void syncReportWithoutSidecarIsRejected() {
		JsonNode problem = badRequest(this.client.post("/mesh/v1/sync",
				"{\"service\": \"orders\", \"instance\": \"orders-1\", \"policies\": []}"));
		assertThat(problem.path("detail").asString()).contains("sidecar");
	}

	@Test
	void syncReportWithInvalidServiceNameIsRejectedNamingIt() {
		JsonNode problem = badRequest(this.client.post("/mesh/v1/sync", """
				{"sidecar": "s-1", "service": "orders", "instance": "orders-1",
				 "policies": [{"service": "Pay Ments", "applied": "0123456789ab"}]}
				"""));
		assertThat(problem.path("detail").asString()).contains("'Pay Ments'");
	}

	@Test
	void environmentForInvalidServiceNameIsRejected() {
		assertThat(this.client.get("/config/Orders_1/default").status()).isEqualTo(400);
	}

	private static JsonNode badRequest(Response response) {
		assertThat(response.status()).as(response.toString()).isEqualTo(400);
		JsonNode problem = response.json();
		assertThat(problem.path("status").asInt()).isEqualTo(400);
		return problem;
	}

}
