package io.trellis.configserver.telemetry;

import java.nio.file.Path;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import io.trellis.configserver.policy.PolicyDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** Reports beyond the control plane's memory bounds are refused as its own limit, not as bad input. */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "mesh.control-plane.telemetry.max-sidecars=1")
@DirtiesContext
class TrafficLimitIntegrationTests {

	@TempDir
	static Path dir;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> PolicyDirectory.searchLocation(dir));
	}

	@Test
	void reportOfOneSidecarTooManyIsRefusedWith503NamingTheLimit() {
		ControlPlaneClient client = new ControlPlaneClient(this.port);
		assertThat(client.post("/mesh/v1/traffic", report("a-1")).status()).isEqualTo(204);

		Response refused = client.post("/mesh/v1/traffic", report("a-2"));

		assertThat(refused.status()).isEqualTo(503);
		assertThat(refused.json().path("detail").asString()).contains("at most 1 sidecars",
				"mesh.control-plane.telemetry.max-sidecars");
		assertThat(client.post("/mesh/v1/traffic", report("a-1")).status()).isEqualTo(204);
		assertThat(client.get("/mesh/v1/topology").json().path("sidecars").toString()).contains("a-1")
			.doesNotContain("a-2");
	}

	private static String report(String sidecar) {
		return """
				{"sidecar": "%s", "service": "a", "instance": "i-%s", "intervalMillis": 1000, "edges": []}
				""".formatted(sidecar, sidecar);
	}

}
