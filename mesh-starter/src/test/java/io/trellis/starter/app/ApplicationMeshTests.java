package io.trellis.starter.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.standin.StandInAdminListener;
import io.trellis.starter.standin.StandInOutboundListener;
import io.trellis.starter.standin.StandInOutboundListener.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A servlet (Tomcat) and a reactive (Netty) application with the starter, started on random
 * ports, calling the mesh service {@code orders} through a stand-in sidecar and exposing the
 * {@code sidecar} health contributor and {@code /actuator/mesh}.
 */
class ApplicationMeshTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@AutoClose
	private StandInOutboundListener outbound;

	@AutoClose
	private StandInAdminListener admin;

	@BeforeEach
	void startSidecar() throws IOException {
		this.outbound = StandInOutboundListener.start();
		this.admin = StandInAdminListener.start();
	}

	private ConfigurableApplicationContext start(WebApplicationType type) {
		return ShopApplications
			.builder(type, "mesh.sidecar.outbound-port=" + this.outbound.port(),
					"mesh.sidecar.admin-port=" + this.admin.port(),
					"management.endpoints.web.exposure.include=health,mesh",
					"management.endpoint.health.show-details=always",
					"management.endpoint.health.probes.enabled=true")
			.run();
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET, Tomcat", "REACTIVE, Netty" })
	void applicationCallsMeshServiceThroughSidecar(WebApplicationType type, String server) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			assertThat(((WebServerApplicationContext) context).getWebServer().getClass().getSimpleName())
				.startsWith(server);
			HttpResponse<String> response = get(context, "/checkout");
			assertThat(response.statusCode()).isEqualTo(200);
			assertThat(response.body()).isEqualTo(StandInOutboundListener.BODY);
			RecordedRequest request = this.outbound.takeRequest();
			assertThat(request.target()).isEqualTo("/items?x=1");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders");
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void callsMadeWhileHandlingARequestCarryWhatIsLeftOfItsDeadline(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			assertThat(get(context, "/checkout", MeshHeaders.TIMEOUT, "3000").statusCode()).isEqualTo(200);
			String left = this.outbound.takeRequest().header(MeshHeaders.TIMEOUT);
			assertThat(left).isNotNull();
			assertThat(Long.parseLong(left)).isBetween(1000L, 3000L);

			assertThat(get(context, "/checkout").statusCode()).isEqualTo(200);
			assertThat(this.outbound.takeRequest().header(MeshHeaders.TIMEOUT)).isNull();
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void deadlinePropagationCanBeTurnedOff(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = ShopApplications
			.builder(type, "mesh.sidecar.outbound-port=" + this.outbound.port(),
					"mesh.sidecar.admin-port=" + this.admin.port(), "mesh.client.propagate-deadline=false")
			.run()) {
			assertThat(get(context, "/checkout", MeshHeaders.TIMEOUT, "3000").statusCode()).isEqualTo(200);
			assertThat(this.outbound.takeRequest().header(MeshHeaders.TIMEOUT)).isNull();
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void actuatorMeshDescribesApplicationAndEmbedsSidecarState(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			get(context, "/checkout");
			HttpResponse<String> response = get(context, "/actuator/mesh");
			assertThat(response.statusCode()).isEqualTo(200);
			JsonNode mesh = this.json.readTree(response.body());
			assertThat(mesh.get("enabled").asBoolean()).isTrue();
			assertThat(mesh.get("serviceName").asString()).isEqualTo("shop");
			assertThat(mesh.get("sidecar").get("address").asString()).isEqualTo("127.0.0.1");
			assertThat(mesh.get("sidecar").get("outboundPort").asInt()).isEqualTo(this.outbound.port());
			assertThat(mesh.get("sidecar").get("adminPort").asInt()).isEqualTo(this.admin.port());
			assertThat(mesh.get("sidecar").get("reachable").asBoolean()).isTrue();
			assertThat(mesh.get("policyVersion").asString()).isEqualTo("v7");
			assertThat(mesh.get("servicesCalled").toString()).isEqualTo("[\"orders\"]");
			assertThat(mesh.get("sidecarState").get("instance").asString()).isEqualTo("shop-1");
			assertThat(mesh.get("sidecarState").get("controlPlane").get("connected").asBoolean()).isTrue();
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void actuatorMeshKeepsItsShapeWhenSidecarIsGone(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			this.admin.close();
			JsonNode mesh = this.json.readTree(get(context, "/actuator/mesh").body());
			assertThat(mesh.get("sidecar").get("reachable").asBoolean()).isFalse();
			assertThat(mesh.has("sidecarState")).isTrue();
			assertThat(mesh.get("sidecarState").isNull()).isTrue();
			assertThat(mesh.has("policyVersion")).isTrue();
			assertThat(mesh.get("policyVersion").isNull()).isTrue();
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void sidecarHealthFollowsSidecarButReadinessDoesNot(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			JsonNode health = this.json.readTree(get(context, "/actuator/health").body());
			JsonNode sidecar = health.get("components").get("sidecar");
			assertThat(sidecar.get("status").asString()).isEqualTo("UP");
			assertThat(sidecar.get("details").get("address").asString())
				.isEqualTo("http://127.0.0.1:" + this.admin.port());

			this.admin.healthStatus(503);
			HttpResponse<String> down = get(context, "/actuator/health/sidecar");
			assertThat(down.statusCode()).isEqualTo(503);
			JsonNode downHealth = this.json.readTree(down.body());
			assertThat(downHealth.get("status").asString()).isEqualTo("DOWN");
			assertThat(downHealth.get("details").get("error").asString()).isEqualTo("HTTP 503");

			HttpResponse<String> readiness = get(context, "/actuator/health/readiness");
			assertThat(readiness.statusCode()).isEqualTo(200);
			assertThat(readiness.body()).doesNotContain("sidecar");
		}
	}

	private HttpResponse<String> get(ConfigurableApplicationContext context, String path, String... headers)
			throws Exception {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10));
		for (int i = 0; i + 1 < headers.length; i += 2) {
			builder.header(headers[i], headers[i + 1]);
		}
		HttpRequest request = builder.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

}
