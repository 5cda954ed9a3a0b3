package io.trellis.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.trellis.e2e.support.EchoApp;
import io.trellis.e2e.support.HttpCall;
import io.trellis.e2e.support.MeshProcess;
import io.trellis.e2e.support.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sidecar's access log, tap, request metrics and spans from its executable jar run with the
 * ahead-of-time processed bean definitions on ({@code -Dspring.aot.enabled=true}, as
 * {@code ./mesh sidecar} runs it): Spring AOT fixes conditions at build time, so every one of
 * these is switched by a {@code mesh.proxy.*} property at run time and must work this way.
 */
class SidecarTelemetryIT {

	private static final Path SIDECAR_JAR = Path.of(System.getProperty("trellis.sidecar.jar",
			"../mesh-gateway/target/mesh-gateway-0.1.0-SNAPSHOT-exec.jar"));

	@Test
	void accessLogTapMetricsAndSpansWorkInTheAheadOfTimeProcessedSidecar(@TempDir Path dir) throws Exception {
		List<JsonNode> spans = new CopyOnWriteArrayList<>();
		DisposableServer zipkin = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> request.receive()
				.aggregate()
				.asString()
				.doOnNext((body) -> HttpCall.JSON.readTree(body).forEach(spans::add))
				.then(response.status(202).send()))
			.bindNow();
		Path accessLog = dir.resolve("access.log");
		int admin = Ports.free();
		int inbound = Ports.free();
		Path logs = Path.of(System.getProperty("trellis.e2e.logs", "target/e2e-logs"));
		try (EchoApp app = new EchoApp("orders-app")) {
			List<String> command = new ArrayList<>();
			command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
			command.addAll(MeshProcess.JVM_OPTIONS);
			command.addAll(List.of("-Dspring.aot.enabled=true", "-jar", SIDECAR_JAR.toString(),
					"--mesh.proxy.service=orders", "--mesh.proxy.app.port=" + app.port(),
					"--mesh.proxy.app.readiness-path=/ready", "--mesh.proxy.admin.port=" + admin,
					"--mesh.proxy.inbound.port=" + inbound, "--mesh.proxy.outbound.port=" + Ports.free(),
					"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + Ports.free(),
					"--mesh.proxy.state-file=" + dir.resolve("state.json"),
					"--mesh.proxy.access-log.enabled=true", "--mesh.proxy.access-log.path=" + accessLog,
					"--mesh.proxy.tracing.zipkin-endpoint=http://127.0.0.1:" + zipkin.port() + "/api/v2/spans",
					"--mesh.proxy.tracing.sampling-probability=1.0"));
			try (MeshProcess sidecar = MeshProcess.start("sidecar-telemetry-aot", logs, command)) {
				await("sidecar up").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
					assertThat(sidecar.isAlive()).as("sidecar alive:\n%s", sidecar.log()).isTrue();
					try {
						return HttpCall.get("http://127.0.0.1:" + admin + "/actuator/health").status() == 200;
					}
					catch (RuntimeException ex) {
						return false;
					}
				});
				assertThat(sidecar.log()).contains("Access log on");
				HttpClient http = HttpClient.newHttpClient();
				HttpResponse<Stream<String>> tap = http.send(HttpRequest
					.newBuilder(URI.create("http://127.0.0.1:" + admin + "/tap?direction=inbound&limit=1&duration=30s"))
					.build(), HttpResponse.BodyHandlers.ofLines());
				assertThat(tap.statusCode()).isEqualTo(200);
				Iterator<String> lines = tap.body().iterator();
				assertThat(lines.next()).contains("\"tap\"");

				String traceId = "5af7651916cd43dd8448eb211c80319c";
				HttpCall.Response response = HttpCall.get("http://127.0.0.1:" + inbound + "/items/7",
						Map.of("Host", "orders", "x-trellis-source", "frontend", "traceparent",
								"00-" + traceId + "-b7ad6b7169203331-01"));
				assertThat(response.status()).isEqualTo(200);
				assertThat(app.lastHeaders().get("traceparent")).startsWith("00-" + traceId + "-")
					.doesNotContain("b7ad6b7169203331");

				JsonNode tapped = HttpCall.JSON.readTree(lines.next());
				assertThat(tapped.get("path").asString()).isEqualTo("/items/7");
				assertThat(tapped.get("source").asString()).isEqualTo("frontend");
				assertThat(tapped.get("traceId").asString()).isEqualTo(traceId);

				await("access log line").atMost(Duration.ofSeconds(10))
					.until(() -> Files.exists(accessLog) && Files.readString(accessLog).contains("/items/7"));
				JsonNode logged = HttpCall.JSON.readTree(Files.readAllLines(accessLog).get(0));
				assertThat(logged.get("direction").asString()).isEqualTo("inbound");
				assertThat(logged.get("status").asInt()).isEqualTo(200);

				await("the sidecar's span in Zipkin").atMost(Duration.ofSeconds(15))
					.until(() -> spans.stream()
						.anyMatch((span) -> span.get("traceId").asString().equals(traceId)
								&& span.get("localEndpoint").get("serviceName").asString().equals("orders-sidecar")
								&& span.get("kind").asString().equals("SERVER")));

				String scrape = HttpCall.get("http://127.0.0.1:" + admin + "/actuator/prometheus").body();
				assertThat(scrape).contains("trellis_requests_seconds_count{destination=\"orders\",direction=\"inbound\","
						+ "route=\"inbound\",source=\"frontend\",status_class=\"2xx\",subset=\"all\"}");
				assertThat(scrape).contains("trellis_connections_open{listener=\"inbound\"}");
			}
		}
		finally {
			zipkin.disposeNow();
		}
	}

}
