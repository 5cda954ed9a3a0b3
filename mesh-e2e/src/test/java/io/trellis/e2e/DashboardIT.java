package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.trellis.e2e.support.Browser;
import io.trellis.e2e.support.EchoApp;
import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.MeshCluster;
import io.trellis.e2e.support.PolicyFiles;
import io.trellis.e2e.support.Sidecar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The control plane's dashboard on a real mesh, read in headless Chromium as a person would:
 * a caller ({@code frontend}) and two destinations behind sidecars, {@code orders} healthy and
 * {@code payments} failing every request with 503, plus calls to {@code orders} from outside the
 * mesh. The page must show these services and edges with figures that match the traffic sent,
 * each sidecar in sync with its policy versions, and a service's policy. With
 * {@code -Dtrellis.screenshots=true} it also updates {@code docs/images/dashboard.png}.
 */
class DashboardIT {

	private static final String OUTSIDE = "(outside)";

	@Test
	void dashboardShowsTheMeshItsTrafficSyncStateAndPolicy(@TempDir Path work) throws Exception {
		Path policy = Files.createDirectories(work.resolve("policy"));
		PolicyFiles.write(policy, "application", "mesh.policy.timeout: 5s\n");
		PolicyFiles.write(policy, "orders", "mesh.policy:\n  timeout: 2s\n");
		PolicyFiles.write(policy, "payments", "mesh.policy:\n  timeout: 1s\n");
		try (MeshCluster mesh = new MeshCluster("DashboardIT", work)) {
			MeshCluster.ControlPlane controlPlane = mesh.startControlPlane(policy,
					Map.of("mesh.control-plane.telemetry.window", "60s"));
			EchoApp frontendApp = mesh.startApp("frontend");
			EchoApp ordersApp = mesh.startApp("orders");
			EchoApp paymentsApp = mesh.startApp("payments");
			paymentsApp.setStatus(503);
			Map<String, String> reportEverySecond = Map.of("mesh.proxy.telemetry.report-interval", "1s");
			Sidecar frontend = mesh.startSidecar("frontend", Map.of("version", "v1"), frontendApp.port(),
					reportEverySecond);
			Sidecar orders = mesh.startSidecar("orders", Map.of("version", "v1"), ordersApp.port(), reportEverySecond);
			mesh.startSidecar("payments", Map.of("version", "v1"), paymentsApp.port(),
					reportEverySecond);
			mesh.awaitRegistered("orders", 1);
			mesh.awaitRegistered("payments", 1);

			// Traffic, counted as sent: the test plays frontend's app, and an outside caller.
			int ordersCalls = 0;
			int paymentsCalls = 0;
			int outsideCalls = 0;
			long start = System.nanoTime();
			for (int i = 0; i < 50; i++) {
				assertThat(HttpCall.get(frontend.outbound("/orders/" + i), Map.of("Host", "orders")).status())
					.isEqualTo(200);
				ordersCalls++;
				assertThat(HttpCall.get(frontend.outbound("/pay/" + i), Map.of("Host", "payments")).status())
					.isGreaterThanOrEqualTo(500);
				paymentsCalls++;
				if (i % 2 == 0) {
					assertThat(HttpCall.get("http://127.0.0.1:" + orders.inboundPort() + "/direct/" + i).status())
						.isEqualTo(200);
					outsideCalls++;
				}
				// Pacing, not waiting for anything: spread over about 4 s, the traffic has a rate the
				// dashboard's requests/s can be checked against.
				Thread.sleep(80);
			}
			double sentSeconds = (System.nanoTime() - start) / 1e9;
			int sentOrders = ordersCalls;
			int sentPayments = paymentsCalls;
			int sentOutside = outsideCalls;
			await("the control plane has frontend's reports of its calls").atMost(Duration.ofSeconds(15))
				.pollInterval(Duration.ofMillis(250))
				.until(() -> apiEdgeRequests(controlPlane, "frontend", "orders") >= sentOrders);
			String ordersVersion = served(controlPlane, "orders");

			try (Browser browser = Browser.start(1400, 1000)) {
				ChromeDriver page = browser.driver();
				page.get(controlPlane.url() + "/");
				assertThat(page.getCurrentUrl()).endsWith("/dashboard");
				await("the page is live").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(20))
					.until(() -> "live".equals(page.findElement(By.id("status")).getAttribute("data-state")));

				// The topology: every service and the outside callers, every edge the traffic took.
				await("the graph shows the mesh").ignoreException(StaleElementReferenceException.class)
					.atMost(Duration.ofSeconds(10))
					.until(() -> attributes(page, "#graph g.node", "data-service")
						.containsAll(List.of(OUTSIDE, "frontend", "orders", "payments")));
				assertThat(attributes(page, "#graph g.edge", "data-edge")).contains("frontend->orders",
						"frontend->payments", OUTSIDE + "->orders");

				// The page re-renders its tables on every poll (2 s), so an element read here can be
				// replaced between finding and reading it: these checks are retried as a whole.
				await("the figures").ignoreException(StaleElementReferenceException.class)
					.atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> {
						// The figures, consistent with what was sent.
						WebElement healthy = row(page, "frontend->orders");
						assertThat(Long.parseLong(healthy.getAttribute("data-requests"))).isEqualTo(sentOrders);
						double sentRate = sentOrders / sentSeconds;
						assertThat(Double.parseDouble(healthy.getAttribute("data-rps"))).isGreaterThan(0)
							.isLessThanOrEqualTo(sentRate * 1.25);
						assertThat(healthy.getAttribute("data-success")).isEqualTo("1");
						assertThat(healthy.findElement(By.cssSelector("td.success")).getText()).isEqualTo("100%");
						assertThat(Double.parseDouble(healthy.getAttribute("data-p99"))).isGreaterThan(0).isLessThan(2000);
						assertThat(healthy.findElement(By.cssSelector("td.p99")).getText()).endsWith("ms");

						WebElement failing = row(page, "frontend->payments");
						assertThat(Long.parseLong(failing.getAttribute("data-requests"))).isEqualTo(sentPayments);
						assertThat(Long.parseLong(failing.getAttribute("data-failures"))).isEqualTo(sentPayments);
						assertThat(failing.getAttribute("data-success")).isEqualTo("0");
						assertThat(failing.findElement(By.cssSelector("td.success")).getText()).isEqualTo("0%");
						assertThat(page.findElement(By.cssSelector("#graph g.edge[data-edge='frontend->payments']"))
							.getAttribute("class")).contains("bad");

						WebElement outside = row(page, OUTSIDE + "->orders");
						assertThat(Long.parseLong(outside.getAttribute("data-requests"))).isGreaterThanOrEqualTo(sentOutside);
						assertThat(outside.findElement(By.cssSelector("td.source")).getText()).isEqualTo("outside");
					});

				// Every sidecar in sync, with the policy versions it runs.
				await("every sidecar shows SYNCED").ignoreException(StaleElementReferenceException.class)
					.atMost(Duration.ofSeconds(20))
					.until(() -> {
					List<WebElement> rows = page.findElements(By.cssSelector("#sidecars tbody tr"));
					return rows.size() == 3 && rows.stream().allMatch((r) -> "SYNCED".equals(r.getAttribute("data-state")));
				});
				await("the sidecars' policy versions").ignoreException(StaleElementReferenceException.class)
					.atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> {
						assertThat(attributes(page, "#sidecars tbody tr", "data-service")).containsExactly("frontend", "orders",
								"payments");
						WebElement frontendRow = page
							.findElement(By.cssSelector("#sidecars tr[data-service='frontend'][data-instance='"
									+ frontend.instanceId() + "']"));
						WebElement ordersPolicy = frontendRow.findElement(By.cssSelector(".policy-sync[data-policy-service='orders']"));
						assertThat(ordersPolicy.getAttribute("data-applied")).isEqualTo(ordersVersion);
						assertThat(ordersPolicy.getText()).contains(ordersVersion);
						assertThat(page.findElement(By.cssSelector("#sidecars tr[data-service='payments'] td.state")).getText())
							.isEqualTo("SYNCED");
					});

				// A service's policy, by clicking it in the graph.
				page.findElement(By.cssSelector("#graph g.node[data-service='orders']")).click();
				await("the policy of orders").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(10))
					.until(() -> "orders".equals(page.findElement(By.id("policy")).getAttribute("data-service")));
				assertThat(page.findElement(By.id("policy")).getAttribute("data-version")).isEqualTo(ordersVersion);
				assertThat(page.findElement(By.cssSelector("#policy tr[data-key='mesh.policy.timeout'] td.value"))
					.getText()).isEqualTo("2s");

				// Live: it keeps polling without a reload.
				String updated = page.findElement(By.tagName("body")).getAttribute("data-updated");
				await("a later update").ignoreException(StaleElementReferenceException.class).atMost(Duration.ofSeconds(6))
					.until(() -> !updated.equals(page.findElement(By.tagName("body")).getAttribute("data-updated")));
				assertThat(page.findElement(By.id("updated")).getText()).matches("live · updated \\d\\d:\\d\\d:\\d\\d");

				browser.screenshot(screenshots());
			}
		}
	}

	/** target/screenshots always; docs/images too when asked for with -Dtrellis.screenshots=true. */
	private static Path[] screenshots() {
		List<Path> files = new ArrayList<>();
		files.add(Path.of("target", "screenshots", "dashboard.png"));
		if (Boolean.getBoolean("trellis.screenshots")) {
			Path home = Path.of(System.getProperty("trellis.home", "..")).toAbsolutePath().normalize();
			files.add(home.resolve("docs/images/dashboard.png"));
		}
		return files.toArray(Path[]::new);
	}

	private static long apiEdgeRequests(MeshCluster.ControlPlane controlPlane, String source, String destination) {
		for (JsonNode edge : HttpCall.get(controlPlane.url() + "/mesh/v1/topology").json().path("edges")) {
			if (edge.path("source").asString().equals(source) && edge.path("destination").asString().equals(destination)) {
				return edge.path("requests").asLong();
			}
		}
		return 0;
	}

	private static String served(MeshCluster.ControlPlane controlPlane, String service) {
		return HttpCall.get(controlPlane.url() + "/config/" + service + "/default").json().path("version").asString();
	}

	private static List<String> attributes(ChromeDriver page, String selector, String attribute) {
		return page.findElements(By.cssSelector(selector)).stream().map((e) -> e.getAttribute(attribute)).toList();
	}

	private static WebElement row(ChromeDriver page, String edge) {
		List<WebElement> rows = page.findElements(By.cssSelector("#edges tr[data-edge='" + edge + "']"));
		assertThat(rows).as("the edges table's row of " + edge).hasSize(1);
		return rows.get(0);
	}

}
