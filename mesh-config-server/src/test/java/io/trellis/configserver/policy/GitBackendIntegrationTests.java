package io.trellis.configserver.policy;

import java.nio.file.Path;
import java.time.Duration;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.ControlPlaneClient.Response;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
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

/**
 * Policy from a git repository: Config Server clones it, and with a long refresh rate only the
 * webhook fetches, so a pushed commit is served when the webhook is called and an invalid
 * commit is rejected.
 * <p>
 * The repository is given by its path rather than a {@code file:} URI: Config Server reads a
 * {@code file:} repository's working tree in place, without cloning or fetching, which is
 * not how a remote repository behaves.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.profiles.active=git", "spring.cloud.config.server.git.refresh-rate=3600",
				"mesh.control-plane.policy.poll-interval=100ms" })
@DirtiesContext
class GitBackendIntegrationTests {

	@TempDir
	static Path remote;

	@TempDir
	static Path clone;

	static PolicyDirectory policy;

	static Git git;

	@LocalServerPort
	int port;

	ControlPlaneClient client;

	@DynamicPropertySource
	static void gitRepository(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.git.uri", () -> remote.toAbsolutePath().toString());
		registry.add("spring.cloud.config.server.git.basedir", () -> clone.toAbsolutePath().toString());
	}

	@BeforeAll
	static void createRepository() throws GitAPIException {
		git = Git.init().setDirectory(remote.toFile()).setInitialBranch("main").call();
		policy = new PolicyDirectory(remote);
		policy.write("application.yml", "mesh.policy.timeout: 5s\n");
		policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
		policy.write("catalog.yml", "mesh.policy.timeout: 2s\n");
		policy.write("shipping.yml", "mesh.policy.timeout: 4s\n");
		commit("Initial policy");
	}

	@AfterAll
	static void closeRepository() {
		git.close();
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void servesPolicyOfTheClonedCommit() throws GitAPIException {
		JsonNode report = this.client.get("/mesh/v1/policy").json();
		assertThat(report.path("revision").asString()).matches("[0-9a-f]{40}");
		assertThat(git.log().call()).extracting(RevCommit::getName).contains(report.path("revision").asString());
		JsonNode environment = this.client.get("/config/shipping/default").json();
		assertThat(environment.path("version").asString())
			.isEqualTo(this.client.get("/mesh/v1/services/shipping").json().path("policyVersion").asString());
		assertThat(timeout(environment)).isEqualTo("4s");
		assertThat(environment.path("propertySources").path(1).path("name").asString()).endsWith("application.yml");
	}

	@Test
	void pushedCommitIsServedWhenTheWebhookIsCalled() throws GitAPIException {
		String before = version("orders");
		policy.write("orders.yml", "mesh.policy.timeout: 3s\n");
		RevCommit pushed = commit("Longer timeout for orders");

		// Scans keep running, but with a refresh rate of an hour nothing fetches the commit.
		await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
			.until(() -> version("orders").equals(before));

		Response refresh = this.client.post("/mesh/v1/policy/refresh", "{\"ref\": \"refs/heads/main\"}");

		assertThat(refresh.status()).isEqualTo(200);
		assertThat(refresh.json().path("revision").asString()).isEqualTo(pushed.getName());
		assertThat(refresh.json().path("changed").toString()).contains("orders");
		JsonNode environment = this.client.get("/config/orders/default").json();
		assertThat(environment.path("version").asString()).isNotEqualTo(before);
		assertThat(timeout(environment)).isEqualTo("3s");
		assertThat(this.client.get("/mesh/v1/policy").json().path("revision").asString()).isEqualTo(pushed.getName());
	}

	@Test
	void invalidCommitIsRejectedAndLastValidVersionKept() throws GitAPIException {
		String before = version("catalog");
		policy.write("catalog.yml", "mesh:\n  policy:\n    timeout: 2 seconds\n");
		RevCommit pushed = commit("Broken catalog policy");

		Response refresh = this.client.post("/mesh/v1/policy/refresh", "{}");

		assertThat(refresh.json().path("revision").asString()).isEqualTo(pushed.getName());
		assertThat(refresh.json().path("changed").toString()).doesNotContain("catalog");
		assertThat(version("catalog")).isEqualTo(before);
		assertThat(timeout(this.client.get("/config/catalog/default").json())).isEqualTo("2s");
		JsonNode catalog = null;
		for (JsonNode status : this.client.get("/mesh/v1/policy").json().path("services")) {
			if (status.path("service").asString().equals("catalog")) {
				catalog = status;
			}
		}
		assertThat(catalog).isNotNull();
		assertThat(catalog.path("valid").asBoolean()).isFalse();
		assertThat(catalog.path("version").asString()).isEqualTo(before);
		JsonNode error = catalog.path("errors").path(0);
		assertThat(error.path("file").asString()).isEqualTo("catalog.yml");
		assertThat(error.path("field").asString()).isEqualTo("mesh.policy.timeout");
		assertThat(error.path("position").asString()).isEqualTo("3:14");
	}

	private String version(String service) {
		return this.client.get("/config/" + service + "/default").json().path("version").asString();
	}

	private static String timeout(JsonNode environment) {
		return environment.path("propertySources").path(0).path("source").path("mesh.policy.timeout").asString();
	}

	private static RevCommit commit(String message) throws GitAPIException {
		git.add().addFilepattern(".").call();
		return git.commit()
			.setMessage(message)
			.setAuthor("Policy Author", "policy@example.com")
			.setCommitter("Policy Author", "policy@example.com")
			.setSign(false)
			.call();
	}

}
