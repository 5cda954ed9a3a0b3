package io.trellis.configserver.watch;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * The watch long-poll on a real port, as sidecars use it: held without a thread, answered by
 * a change or at the end of the wait, forgotten when the sidecar goes away, and many held at
 * once all answered by one change.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "mesh.control-plane.policy.poll-interval=100ms", "mesh.control-plane.watch.max-wait=10s",
				"mesh.control-plane.registry.warmup=0s", "server.tomcat.threads.max=4" })
@DirtiesContext
class WatchServletIntegrationTests {

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
		policy.write("orders.yml", "mesh.policy.timeout: 2s\n");
		policy.write("payments.yml", "mesh.policy.timeout: 1s\n");
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == 0);
	}

	@Test
	void theEndOfTheWaitAnswersWithTheCurrentState() throws Exception {
		String body = upToDate("orders", 1000);
		long started = System.nanoTime();

		Response response = this.client.postAsync("/mesh/v1/watch", body).get(10, TimeUnit.SECONDS);

		Duration waited = Duration.ofNanos(System.nanoTime() - started);
		assertThat(response.status()).isEqualTo(200);
		JsonNode orders = response.json().path("services").path("orders");
		assertThat(orders.path("policyVersion").asString())
			.isEqualTo(this.client.get("/mesh/v1/services/orders").json().path("policyVersion").asString());
		// Held for the wait asked for (the container looks at held requests about once a second).
		assertThat(waited).isBetween(Duration.ofMillis(900), Duration.ofSeconds(4));
		await().atMost(Duration.ofSeconds(2)).until(() -> this.hub.waiting() == 0);
	}

	@Test
	void moreWatchesThanThreadsAreHeldAndOneChangeAnswersThemAll() throws Exception {
		int watches = 40;
		List<CompletableFuture<Response>> held = new ArrayList<>();
		String body = upToDate("payments", 10_000);
		for (int i = 0; i < watches; i++) {
			held.add(this.client.postAsync("/mesh/v1/watch", body));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == watches);

		policy.write("payments.yml", "mesh.policy.timeout: 7s\n");

		String version = null;
		for (CompletableFuture<Response> watch : held) {
			Response response = watch.get(5, TimeUnit.SECONDS);
			assertThat(response.status()).isEqualTo(200);
			String answered = response.json().path("services").path("payments").path("policyVersion").asString();
			assertThat(answered).isEqualTo((version != null) ? version : answered);
			version = answered;
		}
		assertThat(this.client.get("/config/payments/default").json().path("version").asString()).isEqualTo(version);
		assertThat(this.hub.waiting()).isZero();
	}

	@Test
	void aSidecarThatGoesAwayIsForgottenByTheEndOfItsWait() throws Exception {
		// The container does not look at a held connection until it has something to write,
		// so a watch whose sidecar died lasts until the end of its wait (at most max-wait).
		byte[] body = upToDate("orders", 1500).getBytes(StandardCharsets.UTF_8);
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /mesh/v1/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
					+ "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.write(body);
			out.flush();
			await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == 1);
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.hub.waiting() == 0);
	}

	@Test
	void anAnswerGoesBackOnAKeptAliveConnectionThatThenServesTheNextWatch() throws Exception {
		byte[] body = upToDate("orders", 0).getBytes(StandardCharsets.UTF_8);
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(5000);
			for (int i = 0; i < 2; i++) {
				OutputStream out = socket.getOutputStream();
				out.write(("POST /mesh/v1/watch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
						+ "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
				out.write(body);
				out.flush();
				String head = readHead(socket.getInputStream());
				assertThat(head).startsWith("HTTP/1.1 200");
				int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
				String answer = new String(socket.getInputStream().readNBytes(length), StandardCharsets.UTF_8);
				assertThat(answer).contains("\"orders\"");
			}
		}
	}

	@Test
	void aBodyThatIsNotJsonIsRefusedByItsContentType() {
		Response response = this.client.put("/mesh/v1/registry/orders/orders-1",
				"{\"host\": \"127.0.0.1\", \"port\": 8081}");
		assertThat(response.status()).isEqualTo(200);
		Response wrongType = this.client.postForm("/mesh/v1/watch", "services=orders");
		assertThat(wrongType.status()).isEqualTo(415);
		assertThat(wrongType.json().path("detail").asString()).contains("application/x-www-form-urlencoded");
	}

	@Test
	void anEmptyBodyIsRejectedAsMalformed() {
		Response response = this.client.post("/mesh/v1/watch", "");
		assertThat(response.status()).isEqualTo(400);
		assertThat(response.json().path("detail").asString()).isEqualTo("Malformed request body: the body is empty");
	}

	@Test
	void onlyPostIsAWatch() {
		assertThat(this.client.get("/mesh/v1/watch").status()).isEqualTo(405);
	}

	private String upToDate(String service, long waitMillis) {
		JsonNode state = this.client.get("/mesh/v1/services/" + service).json();
		return """
				{"sidecar": "watch-test", "services": {"%s": {"policy": "%s", "endpoints": %d}}, "waitMillis": %d}
				""".formatted(service, state.path("policyVersion").asString(), state.path("endpointsVersion").asLong(),
				waitMillis);
	}

	private static String readHead(InputStream in) throws Exception {
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int next = in.read();
			if (next < 0) {
				break;
			}
			head.append((char) next);
		}
		return head.toString();
	}

}
