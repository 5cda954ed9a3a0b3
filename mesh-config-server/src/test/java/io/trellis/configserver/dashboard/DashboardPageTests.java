package io.trellis.configserver.dashboard;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.trellis.configserver.ControlPlaneApplication;
import io.trellis.configserver.ControlPlaneClient;
import io.trellis.configserver.policy.PolicyDirectory;
import io.trellis.core.telemetry.LatencyBuckets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
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
 * The dashboard page in headless Chromium against a real control plane fed synthetic traffic
 * reports: it draws what {@code /mesh/v1/topology} says, updates live, shows policy, and shows
 * hostile text from reports and policy as text.
 */
@SpringBootTest(classes = ControlPlaneApplication.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "mesh.control-plane.policy.poll-interval=100ms")
@DirtiesContext
class DashboardPageTests {

	private static final String HOSTILE = "<img src=x onerror=\"window.pwned=1\">";

	@TempDir
	static Path dir;

	static PolicyDirectory policy;

	@LocalServerPort
	int port;

	ControlPlaneClient client;

	static HeadlessChromium browser;

	@DynamicPropertySource
	static void policyDirectory(DynamicPropertyRegistry registry) {
		registry.add("spring.cloud.config.server.native.search-locations", () -> policy.searchLocation());
	}

	@BeforeAll
	static void writePolicyAndStartBrowser() {
		policy = new PolicyDirectory(dir);
		policy.write("application.yml", "mesh.policy.timeout: 5s\n");
		policy.write("orders.yml", """
				mesh.policy:
				  timeout: 2s
				  subsets: { v1: { version: v1 } }
				  routes:
				    - match: { headers: { x-note: '%s' } }
				      to: [ { subset: v1 } ]
				    - to: [ { subset: v1 } ]
				""".formatted(HOSTILE));
		browser = HeadlessChromium.start(1400, 1000);
	}

	@AfterAll
	static void stopBrowser() {
		if (browser != null) {
			browser.close();
		}
	}

	@BeforeEach
	void client() {
		this.client = new ControlPlaneClient(this.port);
	}

	@Test
	void pageShowsTheTopologyLiveWithPolicyAndNeverRunsTextFromData() {
		String orders = this.client.get("/config/orders/default").json().path("version").asString();
		assertThat(this.client.post("/mesh/v1/sync", """
				{"sidecar": "frontend-1", "service": "frontend", "instance": "127.0.0.1:15006",
				 "policies": [{"service": "orders", "applied": "%s"}]}
				""".formatted(orders)).status()).isEqualTo(204);
		sendReports(1);

		ChromeDriver page = browser.driver();
		page.get("http://127.0.0.1:" + this.port + "/dashboard");
		await("the page is live").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(15))
			.until(() -> "live".equals(page.findElement(By.id("status")).getAttribute("data-state")));

		// The graph: a node per service and the outside callers, an arrow per edge.
		await("the graph").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(10))
			.until(() -> page.findElements(By.cssSelector("#graph g.edge[data-edge]")).size() == 3);
		assertThat(page.findElements(By.cssSelector("#graph g.node")).stream().map((n) -> n.getAttribute("data-service")))
			.containsExactlyInAnyOrder(Topology.OUTSIDE, "frontend", "orders", "payments");
		assertThat(page.findElement(By.cssSelector("#graph g.node[data-service='" + Topology.OUTSIDE + "'] text.name"))
			.getText()).isEqualTo("outside");

		// The page re-renders its tables on every poll (2 s), so an element read here can be
		// replaced between finding and reading it: the checks are retried as a whole.
		await("the figures, sidecars and policy").ignoreException(StaleElementReferenceException.class)
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> {
				// Figures as the API computes them, shown rounded.
				// 20 requests in a report of 1 s: 20/s until a second passes without the next report.
				WebElement ordersRow = row("frontend->orders");
				double rps = Double.parseDouble(ordersRow.getAttribute("data-rps"));
				assertThat(rps).isGreaterThan(0).isLessThanOrEqualTo(20.0);
				assertThat(ordersRow.findElement(By.cssSelector("td.rps")).getText())
					.isEqualTo((rps >= 10) ? String.format(Locale.ROOT, "%.1f", rps) : String.format(Locale.ROOT, "%.2f", rps));
				assertThat(ordersRow.getAttribute("data-requests")).isEqualTo("20");
				assertThat(apiEdge("frontend", "orders").path("requests").asLong()).isEqualTo(20);
				assertThat(ordersRow.findElement(By.cssSelector("td.success")).getText()).isEqualTo("100%");
				assertThat(ordersRow.findElement(By.cssSelector("td.p99")).getText()).isEqualTo("50 ms");
				WebElement paymentsRow = row("frontend->payments");
				assertThat(paymentsRow.getAttribute("data-success")).isEqualTo("0.75");
				assertThat(paymentsRow.findElement(By.cssSelector("td.success")).getText()).isEqualTo("75.0%");
				assertThat(page.findElement(By.cssSelector("#graph g.edge[data-edge='frontend->payments']")).getAttribute("class"))
					.contains("bad");
				assertThat(row(Topology.OUTSIDE + "->orders").findElement(By.cssSelector("td.source")).getText())
					.isEqualTo("outside");

				// Sidecars with their sync state and policy versions.
				WebElement frontend = page.findElement(By.cssSelector("#sidecars tr[data-sidecar='frontend-1']"));
				assertThat(frontend.getAttribute("data-state")).isEqualTo("SYNCED");
				WebElement applied = frontend.findElement(By.cssSelector(".policy-sync[data-policy-service='orders']"));
				assertThat(applied.getAttribute("data-applied")).isEqualTo(orders);
				assertThat(applied.getText()).contains("orders", orders);

				// A policy: chosen by clicking the service in the graph.
				page.findElement(By.cssSelector("#graph g.node[data-service='orders']")).click();
				await("the policy of orders").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(10))
					.until(() -> "orders".equals(page.findElement(By.id("policy")).getAttribute("data-service")));
				assertThat(page.findElement(By.id("policy")).getAttribute("data-version")).isEqualTo(orders);
				assertThat(page.findElement(By.cssSelector("#policy tr[data-key='mesh.policy.timeout'] td.value")).getText())
					.isEqualTo("2s");

				// Text from reports and policy is shown as text and never run.
				assertThat(page.findElement(By.cssSelector("#sidecars tr[data-sidecar='payments-1'] td.instance")).getText())
					.isEqualTo(HOSTILE);
				assertThat(page.findElement(By.cssSelector("#policy tr[data-key='mesh.policy.routes[0].match.headers.x-note'] td.value"))
					.getText()).isEqualTo(HOSTILE);
				assertThat(page.findElements(By.cssSelector("img"))).isEmpty();
				assertThat(page.executeScript("return window.pwned === undefined")).isEqualTo(true);
			});

		// Live: new reports show within a poll or two, without a reload.
		String updated = page.findElement(By.tagName("body")).getAttribute("data-updated");
		long before = Long.parseLong(row("frontend->orders").getAttribute("data-requests"));
		sendReports(1);
		await("the new counts").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(6))
			.until(() -> Long.parseLong(row("frontend->orders").getAttribute("data-requests")) == before + 20);
		assertThat(page.findElement(By.tagName("body")).getAttribute("data-updated")).isNotEqualTo(updated);
		assertThat(page.findElement(By.id("updated")).getText()).matches("live · updated \\d\\d:\\d\\d:\\d\\d");
	}

	/** One report interval (1 s) of each sidecar: frontend 20/s to orders, 4/s to payments (1 failing). */
	private void sendReports(int intervals) {
		for (int i = 0; i < intervals; i++) {
			post("frontend-1", "frontend", "127.0.0.1:15006", edge("outbound", "orders", 20, 0, 5),
					edge("outbound", "payments", 4, 1, 2));
			post("orders-1", "orders", "127.0.0.1:15106", edge("inbound", "frontend", 20, 0, 4),
					edge("inbound", "unknown", 2, 0, 1));
			post("payments-1", "payments", HOSTILE, edge("inbound", "frontend", 4, 1, 2));
		}
	}

	private void post(String sidecar, String service, String instance, String... edges) {
		String body = """
				{"sidecar": "%s", "service": "%s", "instance": %s, "intervalMillis": 1000, "edges": [%s]}
				""".formatted(sidecar, service, quote(instance), String.join(",", edges));
		assertThat(this.client.post("/mesh/v1/traffic", body).status()).isEqualTo(204);
	}

	private static String quote(String text) {
		return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	private static String edge(String direction, String peer, long requests, long failures, int bucket) {
		long[] latency = new long[LatencyBuckets.COUNT];
		latency[bucket] = requests;
		return "{\"direction\": \"%s\", \"peer\": \"%s\", \"requests\": %d, \"failures\": %d, \"latency\": %s}"
			.formatted(direction, peer, requests, failures, java.util.Arrays.toString(latency));
	}

	private WebElement row(String edge) {
		List<WebElement> rows = browser.driver().findElements(By.cssSelector("#edges tr[data-edge='" + edge + "']"));
		assertThat(rows).as("row of " + edge).hasSize(1);
		return rows.get(0);
	}

	private JsonNode apiEdge(String source, String destination) {
		for (JsonNode edge : this.client.get("/mesh/v1/topology").json().path("edges")) {
			if (edge.path("source").asString().equals(source) && edge.path("destination").asString().equals(destination)) {
				return edge;
			}
		}
		throw new AssertionError("no edge " + source + " -> " + destination);
	}

}
