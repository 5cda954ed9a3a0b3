package io.trellis.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.trellis.e2e.support.HttpCall;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Distributed tracing across the sample mesh, as {@code ./mesh demo --zipkin} runs it: a real
 * Zipkin server, the control plane, every sample app with its sidecar, all reporting every
 * request. One request to frontend that goes frontend → orders → inventory, started by the
 * test with its own trace id (W3C {@code traceparent}, then B3), comes back from Zipkin's API
 * as one trace whose spans come from every app and every sidecar on the way, linked parent to
 * child in the order the request took: app client span → caller's sidecar CLIENT span →
 * callee's sidecar SERVER span → app server span. Ctrl-C stops every process, Zipkin included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingIT {

	private static final int OFFSET = 2000;

	private static final String FRONTEND = "http://127.0.0.1:" + (8080 + OFFSET);

	private static final String ZIPKIN = "http://127.0.0.1:" + (9411 + OFFSET);

	/**
	 * Sent with every request: the sample policy routes canary requests to orders v2 and mirrors
	 * none of them, while 10% of the others are also copied to v2 as dark traffic, whose spans
	 * (children of the caller's sidecar span, as TracingTests in mesh-gateway checks) would make
	 * the number of spans differ from run to run.
	 */
	private static final Map<String, String> CANARY = Map.of("x-canary", "true");

	private static final Set<String> SERVICES_ON_THE_WAY = Set.of("frontend", "orders", "inventory",
			"frontend-sidecar", "orders-sidecar", "inventory-sidecar");

	private Process demo;

	private Path output;

	private final List<ProcessHandle> started = new ArrayList<>();

	@BeforeAll
	void startDemoWithZipkin(@TempDir Path work) throws Exception {
		Path home = Path.of(System.getProperty("trellis.home", "..")).toAbsolutePath().normalize();
		Path zipkinJar = Path.of(System.getProperty("trellis.zipkin.jar", "target/zipkin/zipkin-server-exec.jar"))
			.toAbsolutePath();
		assertThat(zipkinJar).as("the Zipkin server jar (mesh-e2e/pom.xml copies it)").isRegularFile();
		this.output = work.resolve("demo.out");
		// setsid: its own process group, so Ctrl-C can be sent to the whole group as a terminal does.
		this.demo = new ProcessBuilder("setsid", home.resolve("mesh").toString(), "demo", "--zipkin", "--zipkin-jar",
				zipkinJar.toString(), "--rate", "0", "--port-offset", String.valueOf(OFFSET), "--duration", "15m")
			.directory(home.toFile())
			.redirectErrorStream(true)
			.redirectOutput(this.output.toFile())
			.start();
		await("demo up").atMost(Duration.ofMinutes(8)).pollInterval(Duration.ofSeconds(1)).until(() -> {
			if (!this.demo.isAlive()) {
				throw new IllegalStateException("./mesh demo --zipkin exited:\n" + Files.readString(this.output));
			}
			// The banner's last line: the whole banner is written.
			return Files.readString(this.output).contains("Press Ctrl-C to stop everything.");
		});
		this.demo.descendants().forEach(this.started::add);
		assertThat(this.started).as("Zipkin runs as one of the demo's processes")
			.anyMatch((handle) -> handle.info().commandLine().orElse("").contains("zipkin.storage.type=mem"));
		assertThat(Files.readString(this.output)).as("the banner says where the traces are")
			.contains(ZIPKIN + "/zipkin/");
		assertThat(HttpCall.get(ZIPKIN + "/health").status()).isEqualTo(200);
	}

	@AfterAll
	void ctrlCStopsEverythingZipkinIncluded() throws Exception {
		if (this.demo == null) {
			return;
		}
		try {
			this.demo.descendants().forEach((handle) -> {
				if (!this.started.contains(handle)) {
					this.started.add(handle);
				}
			});
			assertThat(new ProcessBuilder("kill", "-INT", "--", "-" + this.demo.pid()).start().waitFor()).isZero();
			assertThat(this.demo.waitFor(60, TimeUnit.SECONDS)).as("demo exits after Ctrl-C").isTrue();
			await("every process it started is gone, Zipkin included").atMost(Duration.ofSeconds(30))
				.until(() -> this.started.stream().noneMatch(ProcessHandle::isAlive));
		}
		finally {
			this.demo.descendants().forEach(ProcessHandle::destroyForcibly);
			this.started.forEach(ProcessHandle::destroyForcibly);
			this.demo.destroyForcibly();
		}
	}

	@Test
	void requestStartedWithTraceparentIsOneTraceThroughEveryAppAndSidecarOnTheWay() {
		String traceId = hex(32);
		String callerSpanId = hex(16);
		HttpCall.Response response = HttpCall.get(FRONTEND + "/api/home",
				with(CANARY, "traceparent", "00-" + traceId + "-" + callerSpanId + "-01"));
		assertTrace(response, traceId, callerSpanId);
	}

	@Test
	void requestStartedWithB3JoinsTheSameWay() {
		String traceId = hex(32);
		String callerSpanId = hex(16);
		HttpCall.Response response = HttpCall.get(FRONTEND + "/api/home",
				with(CANARY, "b3", traceId + "-" + callerSpanId + "-1"));
		assertTrace(response, traceId, callerSpanId);
	}

	private void assertTrace(HttpCall.Response response, String traceId, String callerSpanId) {
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		JsonNode order = response.json().get("order");
		assertThat(order.get("calledBy").asString()).isEqualTo("frontend");
		assertThat(order.get("version").asString()).isEqualTo("v2");
		assertThat(order.get("items").get(0).get("available").isNull()).as("orders got an answer from inventory")
			.isFalse();

		List<Span> spans = awaitTrace(traceId);
		String summary = summary(spans);
		assertThat(spans).as("one trace: every span has the trace id asked for\n" + summary)
			.allMatch((span) -> span.traceId().equals(traceId));
		assertThat(spans.stream().map(Span::service).collect(Collectors.toSet()))
			.as("spans from every app and sidecar on the way\n" + summary)
			.containsAll(SERVICES_ON_THE_WAY);

		Map<String, Span> byId = new HashMap<>();
		spans.forEach((span) -> byId.put(span.id(), span));
		List<Span> roots = spans.stream().filter((span) -> !byId.containsKey(span.parentId())).toList();
		assertThat(roots).as("connected: only the first span's parent (the caller's) is outside the trace\n" + summary)
			.hasSize(1);
		Span root = roots.get(0);
		assertThat(root.service()).isEqualTo("frontend");
		assertThat(root.kind()).isEqualTo("SERVER");
		assertThat(root.parentId()).as("the frontend continued the context it was sent").isEqualTo(callerSpanId);

		// From inventory's server span up to the root, the way the request came.
		List<String> expected = List.of("inventory SERVER", "inventory-sidecar SERVER", "orders-sidecar CLIENT",
				"orders CLIENT", "orders SERVER", "orders-sidecar SERVER", "frontend-sidecar CLIENT", "frontend CLIENT",
				"frontend SERVER");
		List<List<String>> chains = new ArrayList<>();
		for (Span span : spans) {
			if (span.service().equals("inventory") && span.kind().equals("SERVER")) {
				List<String> chain = new ArrayList<>();
				for (Span at = span; at != null; at = byId.get(at.parentId())) {
					chain.add(at.service() + " " + at.kind());
				}
				chains.add(chain);
			}
		}
		assertThat(chains).as("frontend → orders → inventory, each hop through both sidecars\n" + summary)
			.contains(expected);
		System.out.printf("TracingIT: trace %s, %d spans from %s%n", traceId, spans.size(),
				new TreeSet<>(spans.stream().map(Span::service).toList()));

		for (Span span : spans) {
			Span parent = byId.get(span.parentId());
			if (parent == null) {
				continue;
			}
			if (span.service().endsWith("-sidecar") && span.kind().equals("SERVER")) {
				String context = span + "\n  parent " + parent + "\n" + summary;
				assertThat(parent.kind() + " " + parent.service())
					.as("a sidecar's SERVER span is the child of the caller's sidecar CLIENT span: " + context)
					.startsWith("CLIENT ")
					.endsWith("-sidecar");
				assertThat(parent.remoteService()).as("the caller's sidecar names the service it called: " + context)
					.isEqualTo(span.service().substring(0, span.service().length() - "-sidecar".length()));
			}
			if (span.service().endsWith("-sidecar") && span.kind().equals("CLIENT")) {
				assertThat(parent.service() + " " + parent.kind())
					.as("a sidecar's CLIENT span is the child of its app's client span: " + span + "\n" + summary)
					.isEqualTo(span.service().substring(0, span.service().length() - "-sidecar".length()) + " CLIENT");
			}
			if (!span.service().endsWith("-sidecar") && span.kind().equals("SERVER")) {
				assertThat(parent.service() + " " + parent.kind())
					.as("an app's server span is the child of its own sidecar's SERVER span: " + span + "\n" + summary)
					.isEqualTo(span.service() + "-sidecar SERVER");
			}
		}
	}

	/**
	 * The trace's spans from Zipkin once every app and sidecar on the way has reported and no
	 * more spans arrive (apps and sidecars report asynchronously, about every second).
	 */
	private List<Span> awaitTrace(String traceId) {
		List<List<Span>> last = new ArrayList<>(List.of(List.of()));
		int[] stableFor = { 0 };
		try {
			await("trace " + traceId + " in Zipkin").atMost(Duration.ofSeconds(45))
				.pollInterval(Duration.ofSeconds(1))
				.until(() -> {
					HttpCall.Response trace = HttpCall.get(ZIPKIN + "/api/v2/trace/" + traceId);
					List<Span> spans = new ArrayList<>();
					if (trace.status() == 200) {
						for (JsonNode span : trace.json()) {
							spans.add(Span.of(span));
						}
					}
					boolean complete = spans.stream().map(Span::service).collect(Collectors.toSet())
						.containsAll(SERVICES_ON_THE_WAY);
					stableFor[0] = (spans.size() == last.get(0).size()) ? stableFor[0] + 1 : 0;
					last.set(0, spans);
					return complete && stableFor[0] >= 2;
				});
		}
		catch (org.awaitility.core.ConditionTimeoutException ex) {
			// Assert on what did arrive, which says what is missing.
		}
		return last.get(0);
	}

	private static Map<String, String> with(Map<String, String> headers, String name, String value) {
		Map<String, String> all = new HashMap<>(headers);
		all.put(name, value);
		return all;
	}

	private static String summary(List<Span> spans) {
		Set<String> lines = new TreeSet<>();
		spans.forEach((span) -> lines.add("  " + span));
		return "trace (" + spans.size() + " spans):\n" + String.join("\n", lines);
	}

	private static String hex(int digits) {
		StringBuilder hex = new StringBuilder(digits);
		hex.append("123456789abcdef".charAt(ThreadLocalRandom.current().nextInt(15)));
		while (hex.length() < digits) {
			hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
		}
		return hex.toString();
	}

	/** One span as Zipkin's v2 API gives it. */
	private record Span(String traceId, String id, String parentId, String kind, String service, String remoteService,
			String name) {

		static Span of(JsonNode json) {
			return new Span(json.path("traceId").asString(""), json.path("id").asString(""),
					json.path("parentId").asString(""), json.path("kind").asString(""),
					json.path("localEndpoint").path("serviceName").asString(""),
					json.path("remoteEndpoint").path("serviceName").asString(""), json.path("name").asString(""));
		}

		@Override
		public String toString() {
			return this.service + " " + this.kind + " '" + this.name + "'"
					+ (this.remoteService.isEmpty() ? "" : " -> " + this.remoteService) + " id=" + this.id + " parent="
					+ this.parentId;
		}

	}

}
