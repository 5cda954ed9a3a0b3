package io.trellis.configserver.policy;

import java.nio.file.Path;
import java.time.Duration;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With polling made an hour apart, an edit of a file in the policy directory is still served
 * within moments: the directory's file system events trigger the scan.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "mesh.control-plane.policy.poll-interval=1h", "mesh.control-plane.registry.warmup=0s" })
@DirtiesContext
class PolicyFileEventsIntegrationTests {

	@TempDir
	static Path dir;

	static PolicyDirectory policy;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> policy.searchLocation());
	}

	@BeforeAll
	static void writePolicy() {
		policy = new PolicyDirectory(dir);
		policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
	}

	@Test
	void editsNewFilesAndRemovalsAreServedWithoutWaitingForThePoll() {
		ControlPlaneClient client = new ControlPlaneClient(this.port);
		String before = version(client, "orders");

		policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		await("the edit is served").atMost(Duration.ofSeconds(3))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> !version(client, "orders").equals(before));
		assertThat(client.get("/config/orders/default").body()).contains("3s");

		policy.write("payments.yml", "mesh.policy.timeout: 1s\n");
		await("a new file is served").atMost(Duration.ofSeconds(3))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> client.get("/config/payments/default").body().contains("1s"));

		String ownVersion = version(client, "payments");
		assertThat(dir.resolve("payments.yml").toFile().delete()).isTrue();
		await("a removed file falls back to the defaults").atMost(Duration.ofSeconds(3))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> !version(client, "payments").equals(ownVersion));
	}

	private static String version(ControlPlaneClient client, String service) {
		return client.get("/mesh/v1/services/" + service).json().path("policyVersion").asString();
	}

}
