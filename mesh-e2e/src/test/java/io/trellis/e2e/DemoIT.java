package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.PolicyFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./mesh demo} as a person runs it: it comes up and prints where to look, the shop
 * answers through the mesh, an edit of the policy file moves traffic within seconds, and
 * Ctrl-C (SIGINT to its process group, as a terminal sends it) stops every process it started.
 */
class DemoIT {

	private static final int OFFSET = 1000;

	@Test
	void demoRunsTheSampleMeshFollowsPolicyEditsAndStopsEverythingOnCtrlC(@TempDir Path work) throws Exception {
		Path home = Path.of(System.getProperty("trellis.home", "..")).toAbsolutePath().normalize();
		Path policy = Files.createDirectories(work.resolve("policy"));
		try (var files = Files.list(home.resolve("samples/policy"))) {
			for (Path file : files.toList()) {
				Files.copy(file, policy.resolve(file.getFileName()));
			}
		}
		Path output = work.resolve("demo.out");
		// setsid: its own process group, so Ctrl-C can be sent to the whole group as a terminal does.
		Process demo = new ProcessBuilder("setsid", home.resolve("mesh").toString(), "demo", "--port-offset",
				String.valueOf(OFFSET), "--policy", policy.toString(), "--duration", "10m")
			.directory(home.toFile())
			.redirectErrorStream(true)
			.redirectOutput(output.toFile())
			.start();
		List<ProcessHandle> started = new ArrayList<>();
		try {
			await("demo up").atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofSeconds(1)).until(() -> {
				if (!demo.isAlive()) {
					throw new IllegalStateException("./mesh demo exited:\n" + Files.readString(output));
				}
				return Files.readString(output).contains("Trellis demo is up in");
			});
			String banner = Files.readString(output);
			assertThat(banner).contains("http://127.0.0.1:" + (8080 + OFFSET) + "/", "/mesh/v1/status", "/dashboard",
					"/tap?destination=orders",
					"/actuator/mesh", "sidecar RSS", "Press Ctrl-C");
			demo.descendants().forEach(started::add);
			assertThat(started).hasSizeGreaterThanOrEqualTo(11);

			String home1 = "http://127.0.0.1:" + (8080 + OFFSET) + "/api/home";
			HttpCall.Response response = HttpCall.get(home1);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.json().get("order").get("calledBy").asString()).isEqualTo("frontend");
			assertThat(response.json().get("products").get("calledBy").asString()).isEqualTo("frontend");
			// Every client type, servlet and reactive, reached its destination through its sidecar.
			assertThat(response.json().get("products").get("products").get(0).get("stockCalledBy").asString())
				.isEqualTo("catalog");
			// The demo's sidecars (ahead-of-time processed, as ./mesh runs them) report their traffic:
			// the dashboard's topology shows the edges the demo's traffic takes.
			String topology = "http://127.0.0.1:" + (8888 + OFFSET) + "/mesh/v1/topology";
			await("the dashboard's frontend -> orders edge").atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofSeconds(1))
				.until(() -> {
					for (JsonNode edge : HttpCall.get(topology).json().get("edges")) {
						if (edge.get("source").asString().equals("frontend")
								&& edge.get("destination").asString().equals("orders")
								&& edge.get("requests").asLong() > 0) {
							return true;
						}
					}
					return false;
				});
			JsonNode appMesh = HttpCall.get("http://127.0.0.1:" + (8080 + OFFSET) + "/actuator/mesh").json();
			assertThat(appMesh.get("sidecar").get("reachable").asBoolean()).isTrue();
			assertThat(appMesh.get("servicesCalled").toString()).contains("catalog", "orders");
			assertThat(appMesh.get("policyVersion").isNull()).isFalse();

			String frontendSidecar = "http://127.0.0.1:" + (15000 + OFFSET) + "/actuator/mesh";
			String before = ordersVersion(frontendSidecar);
			assertThat(before).isNotEmpty();
			PolicyFiles.write(policy, "orders", """
					mesh.policy:
					  subsets: { v1: { version: v1 }, v2: { version: v2 } }
					  routes:
					    - to: [ { subset: v1, weight: 0 }, { subset: v2, weight: 100 } ]
					""");
			// The frontend's sidecar applies the new weights within seconds; then every request
			// goes to v2. (Waiting on the sidecar rather than on ten calls per check keeps the
			// limit about propagation: right after start, the JIT-cold demo answers slowly.)
			long edited = System.nanoTime();
			try {
				await("the frontend's sidecar applies the edit").atMost(Duration.ofSeconds(5))
					.pollInterval(Duration.ofMillis(100))
					.until(() -> !ordersVersion(frontendSidecar).equals(before));
			}
			catch (org.awaitility.core.ConditionTimeoutException ex) {
				throw new AssertionError("the frontend's sidecar did not apply the policy edit within 5 s; control plane: "
						+ fetch("http://127.0.0.1:" + (8888 + OFFSET) + "/mesh/v1/status") + "\nfrontend sidecar: "
						+ fetch(frontendSidecar) + "\ndemo output:\n" + Files.readString(output), ex);
			}
			System.out.printf("DemoIT: the frontend's sidecar applied the policy edit %d ms after it%n",
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - edited));
			assertThat(onlyVersion(home1, "v2")).as("after the edit every request goes to orders v2").isTrue();
			await("the demo's own traffic report shows it").atMost(Duration.ofSeconds(20))
				.until(() -> Files.readString(output).contains("orders v2 100%"));

			ProcessBuilder ctrlC = new ProcessBuilder("kill", "-INT", "--", "-" + demo.pid());
			assertThat(ctrlC.start().waitFor()).isZero();
			assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo exits after Ctrl-C").isTrue();
			assertThat(Files.readString(output)).contains("Stopped");
			await("every process it started is gone").atMost(Duration.ofSeconds(30))
				.until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
		}
		finally {
			demo.descendants().forEach(ProcessHandle::destroyForcibly);
			started.forEach(ProcessHandle::destroyForcibly);
			demo.destroyForcibly();
		}
	}

	private static String fetch(String url) {
		try {
			return HttpCall.get(url).body();
		}
		catch (RuntimeException ex) {
			return "(" + url + ": " + ex + ")";
		}
	}

	private static String ordersVersion(String sidecarMesh) {
		return HttpCall.get(sidecarMesh).json().path("policies").path("orders").path("version").asString("");
	}

	private static boolean onlyVersion(String url, String version) {
		for (int i = 0; i < 10; i++) {
			JsonNode order = HttpCall.get(url).json().path("order");
			if (!version.equals(order.path("version").asString())) {
				return false;
			}
		}
		return true;
	}

}
