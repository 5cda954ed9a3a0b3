package io.trellis.gateway.controlplane;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.trellis.gateway.SidecarApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A sidecar handed a policy it cannot apply (here by a control plane newer than itself, which
 * serves a field this sidecar does not know) refuses it, keeps routing with the version it had,
 * and reports the refusal (NACK) with the reason. The newer control plane is a real HTTP server
 * on loopback speaking the control plane's protocol.
 */
class PolicyRejectionTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final List<JsonNode> reports = new CopyOnWriteArrayList<>();

	private volatile String ordersVersion = "v-good";

	private DisposableServer controlPlane;

	private DisposableServer orders;

	private ConfigurableApplicationContext sidecar;

	@AfterEach
	void stop() {
		if (this.sidecar != null) {
			this.sidecar.close();
		}
		if (this.controlPlane != null) {
			this.controlPlane.disposeNow();
		}
		if (this.orders != null) {
			this.orders.disposeNow();
		}
	}

	@Test
	void policyTheSidecarCannotBindIsRejectedReportedAndTheLastOneKept(@TempDir Path dir) throws IOException {
		this.orders = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle((request, response) -> response.sendString(Mono.just("orders")))
			.bindNow();
		this.controlPlane = HttpServer.create().host("127.0.0.1").port(0).route((routes) -> routes
			.post("/mesh/v1/watch", (request, response) -> request.receive().aggregate().asString().flatMap((body) -> {
				JsonNode watch = JSON.readTree(body);
				boolean upToDate = this.ordersVersion.equals(watch.path("services").path("orders").path("policy").asString(null));
				return Mono.delay(upToDate ? Duration.ofMillis(300) : Duration.ZERO)
					.then(response.header("content-type", "application/json")
						.sendString(Mono.just(watchResponse(watch)))
						.then());
			}))
			.get("/mesh/v1/services/{service}", (request, response) -> response.header("content-type", "application/json")
				.sendString(Mono.just(JSON.writeValueAsString(state(request.param("service"))))))
			.get("/config/{service}/default", (request, response) -> response.header("content-type", "application/json")
				.sendString(Mono.just(environment(request.param("service")))))
			.post("/mesh/v1/sync", (request, response) -> request.receive().aggregate().asString().flatMap((body) -> {
				this.reports.add(JSON.readTree(body));
				return response.status(204).send();
			}))
			.put("/mesh/v1/registry/{service}/{instance}", (request, response) -> response.sendString(Mono.just("{}")))
			.delete("/mesh/v1/registry/{service}/{instance}", (request, response) -> response.status(204).send()))
			.bindNow();
		int admin = freePort();
		this.sidecar = new SpringApplicationBuilder(SidecarApplication.class).run("--mesh.proxy.service=frontend",
				"--mesh.proxy.app.port=" + freePort(), "--mesh.proxy.outbound.port=0", "--mesh.proxy.inbound.port=0",
				"--mesh.proxy.admin.port=" + admin, "--mesh.proxy.state-file=" + dir.resolve("state.json"),
				"--mesh.proxy.control-plane.uri=http://127.0.0.1:" + this.controlPlane.port());
		int outbound = ((WebServerApplicationContext) this.sidecar).getWebServer().getPort();
		assertThat(get(outbound, "/", "orders")).isEqualTo("200 orders");
		await().atMost(Duration.ofSeconds(10)).until(() -> "v-good".equals(ack("orders").path("applied").asString(null)));

		this.ordersVersion = "v-newer";

		await("NACK reported").atMost(Duration.ofSeconds(10))
			.until(() -> "v-newer".equals(ack("orders").path("rejected").asString(null)));
		JsonNode ack = ack("orders");
		assertThat(ack.get("applied").asString()).isEqualTo("v-good");
		assertThat(ack.get("reason").asString()).contains("mesh.policy.mirror", "unknown field");
		JsonNode mesh = JSON.readTree(get(admin, "/actuator/mesh", null).substring(4));
		assertThat(mesh.get("policies").get("orders").get("version").asString()).isEqualTo("v-good");
		assertThat(mesh.get("policies").get("orders").get("rejected").asString()).isEqualTo("v-newer");
		assertThat(mesh.get("policies").get("orders").get("timeout").asString()).isEqualTo("PT2S");
		assertThat(get(outbound, "/", "orders")).isEqualTo("200 orders");
	}

	private JsonNode ack(String service) {
		for (int i = this.reports.size() - 1; i >= 0; i--) {
			for (JsonNode ack : this.reports.get(i).path("policies")) {
				if (service.equals(ack.path("service").asString())) {
					return ack;
				}
			}
		}
		return JSON.createObjectNode();
	}

	private String watchResponse(JsonNode watch) {
		StringBuilder services = new StringBuilder();
		for (var names = watch.path("services").propertyNames().iterator(); names.hasNext();) {
			String service = names.next();
			services.append(services.isEmpty() ? "" : ",")
				.append('"')
				.append(service)
				.append("\":")
				.append(JSON.writeValueAsString(state(service)));
		}
		return "{\"services\":{" + services + "}}";
	}

	private Map<String, Object> state(String service) {
		boolean isOrders = "orders".equals(service);
		return Map.of("service", service, "known", true, "policyVersion", isOrders ? this.ordersVersion : "v-own",
				"endpointsVersion", 1, "endpoints", isOrders ? List.of(Map.of("instance", "o1", "host", "127.0.0.1",
						"port", this.orders.port(), "labels", Map.of("version", "v1"))) : List.of());
	}

	private String environment(String service) {
		String properties = !"orders".equals(service) ? "{}" : this.ordersVersion.equals("v-good")
				? "{\"mesh.policy.timeout\":\"2s\"}"
				: "{\"mesh.policy.timeout\":\"3s\",\"mesh.policy.mirror.subset\":\"v2\"}";
		String version = "orders".equals(service) ? this.ordersVersion : "v-own";
		return "{\"name\":\"" + service + "\",\"profiles\":[\"default\"],\"version\":\"" + version
				+ "\",\"propertySources\":[{\"name\":\"file:/policy/" + service + ".yml\",\"source\":" + properties + "}]}";
	}

	private static String get(int port, String path, String host) {
		return HttpClient.create()
			.headers((headers) -> {
				if (host != null) {
					headers.set("Host", host);
				}
			})
			.get()
			.uri("http://127.0.0.1:" + port + path)
			.responseSingle((response, body) -> body.asString()
				.defaultIfEmpty("")
				.map((text) -> response.status().code() + " " + text))
			.block(Duration.ofSeconds(10));
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
