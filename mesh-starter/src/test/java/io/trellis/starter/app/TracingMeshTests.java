package io.trellis.starter.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.standin.StandInAdminListener;
import io.trellis.starter.standin.StandInOutboundListener;
import io.trellis.starter.standin.StandInOutboundListener.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import zipkin2.reporter.brave.AsyncZipkinSpanHandler;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tracing in an application with the starter, on a real server (Tomcat or Netty) calling the
 * mesh service {@code orders} through a stand-in sidecar: trace context that arrives in W3C
 * {@code traceparent} or B3 is continued into the call the starter routes through the
 * sidecar, which carries the same trace id with the application's client span as parent;
 * spans reach Zipkin only when its endpoint is set.
 */
class TracingMeshTests {

	private static final String W3C_SAMPLED = "01";

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

	private final JsonMapper json = JsonMapper.builder().build();

	@AutoClose
	private StandInOutboundListener outbound;

	@AutoClose
	private StandInAdminListener admin;

	@AutoClose
	private StandInOutboundListener zipkin;

	@BeforeEach
	void startSidecar() throws IOException {
		this.outbound = StandInOutboundListener.start();
		this.admin = StandInAdminListener.start();
	}

	private ConfigurableApplicationContext start(WebApplicationType type, String... properties) {
		List<String> all = new ArrayList<>(List.of("mesh.sidecar.outbound-port=" + this.outbound.port(),
				"mesh.sidecar.admin-port=" + this.admin.port()));
		all.addAll(List.of(properties));
		return ShopApplications.builder(type, all.toArray(String[]::new)).run();
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET, /checkout", "SERVLET, /checkout-template", "REACTIVE, /checkout" })
	void incomingTraceparentIsContinuedIntoTheCallThroughTheSidecar(WebApplicationType type, String path)
			throws Exception {
		String traceId = hex(32);
		String callerSpanId = hex(16);
		try (ConfigurableApplicationContext context = start(type)) {
			HttpResponse<String> response = get(context, path, "traceparent",
					"00-" + traceId + "-" + callerSpanId + "-" + W3C_SAMPLED);
			assertThat(response.statusCode()).isEqualTo(200);
			RecordedRequest call = this.outbound.takeRequest();
			assertThat(call.header(MeshHeaders.DESTINATION)).as("the call went through the sidecar").isEqualTo("orders");
			Traceparent sent = Traceparent.parse(call.header("traceparent"));
			assertThat(sent.traceId()).isEqualTo(traceId);
			assertThat(sent.parentId()).as("the application's own client span, not the caller's span")
				.isNotEqualTo(callerSpanId)
				.matches("[0-9a-f]{16}");
			assertThat(sent.flags()).as("the caller's sampling decision is kept").isEqualTo(W3C_SAMPLED);
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void singleHeaderB3IsAcceptedAndContinuedAsTraceparent(WebApplicationType type) throws Exception {
		String traceId = hex(32);
		String callerSpanId = hex(16);
		try (ConfigurableApplicationContext context = start(type)) {
			assertThat(get(context, "/checkout", "b3", traceId + "-" + callerSpanId + "-1").statusCode())
				.isEqualTo(200);
			Traceparent sent = Traceparent.parse(this.outbound.takeRequest().header("traceparent"));
			assertThat(sent.traceId()).isEqualTo(traceId);
			assertThat(sent.parentId()).isNotEqualTo(callerSpanId);
			assertThat(sent.flags()).isEqualTo(W3C_SAMPLED);
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void multiHeaderB3IsAcceptedAndContinuedAsTraceparent(WebApplicationType type) throws Exception {
		String traceId = hex(32);
		String callerSpanId = hex(16);
		try (ConfigurableApplicationContext context = start(type)) {
			assertThat(get(context, "/checkout", "X-B3-TraceId", traceId, "X-B3-SpanId", callerSpanId, "X-B3-Sampled",
					"1")
				.statusCode()).isEqualTo(200);
			Traceparent sent = Traceparent.parse(this.outbound.takeRequest().header("traceparent"));
			assertThat(sent.traceId()).isEqualTo(traceId);
			assertThat(sent.parentId()).isNotEqualTo(callerSpanId);
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void requestWithoutContextStartsATraceThatTheCallCarries(WebApplicationType type) throws Exception {
		try (ConfigurableApplicationContext context = start(type)) {
			assertThat(get(context, "/checkout").statusCode()).isEqualTo(200);
			Traceparent sent = Traceparent.parse(this.outbound.takeRequest().header("traceparent"));
			assertThat(sent.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void spansOfTheServerRequestAndTheMeshCallGoToZipkinWhenItsEndpointIsSet(WebApplicationType type)
			throws Exception {
		this.zipkin = StandInOutboundListener.start();
		String traceId = hex(32);
		try (ConfigurableApplicationContext context = start(type,
				"management.tracing.export.zipkin.endpoint=http://127.0.0.1:" + this.zipkin.port() + "/api/v2/spans")) {
			assertThat(get(context, "/checkout", "traceparent", "00-" + traceId + "-" + hex(16) + "-01").statusCode())
				.isEqualTo(200);
			String clientSpanId = Traceparent.parse(this.outbound.takeRequest().header("traceparent")).parentId();
			List<JsonNode> spans = reported(traceId, 2).stream()
				.filter((span) -> traceId.equals(span.path("traceId").asString()))
				.toList();
			assertThat(spans).extracting((span) -> span.path("localEndpoint").path("serviceName").asString())
				.containsOnly("shop");
			JsonNode server = spans.stream().filter((span) -> "SERVER".equals(span.path("kind").asString())).findFirst()
				.orElseThrow(() -> new AssertionError("no SERVER span in " + spans));
			JsonNode client = spans.stream().filter((span) -> "CLIENT".equals(span.path("kind").asString())).findFirst()
				.orElseThrow(() -> new AssertionError("no CLIENT span in " + spans));
			assertThat(client.path("id").asString()).as("the span whose context the sidecar got").isEqualTo(clientSpanId);
			assertThat(client.path("parentId").asString()).isEqualTo(server.path("id").asString());
		}
	}

	@ParameterizedTest
	@CsvSource({ "SERVLET", "REACTIVE" })
	void actuatorRequestsThatStartATraceAreNotExported(WebApplicationType type) throws Exception {
		this.zipkin = StandInOutboundListener.start();
		String traceId = hex(32);
		try (ConfigurableApplicationContext context = start(type,
				"management.tracing.export.zipkin.endpoint=http://127.0.0.1:" + this.zipkin.port() + "/api/v2/spans",
				"management.tracing.sampling.probability=1.0")) {
			// As the sidecar checks readiness: no trace context.
			assertThat(get(context, "/actuator/health").statusCode()).isEqualTo(200);
			assertThat(get(context, "/checkout", "traceparent", "00-" + traceId + "-" + hex(16) + "-01").statusCode())
				.isEqualTo(200);
			List<JsonNode> spans = reported(traceId, 2);
			assertThat(spans).extracting((span) -> span.path("tags").path("http.url").asString())
				.as("every span reported up to the traced request's")
				.noneMatch((url) -> url.startsWith("/actuator"));
		}
	}

	@Test
	void actuatorTracesAreExportedWhenAskedFor() throws Exception {
		this.zipkin = StandInOutboundListener.start();
		try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET,
				"management.tracing.export.zipkin.endpoint=http://127.0.0.1:" + this.zipkin.port() + "/api/v2/spans",
				"management.tracing.sampling.probability=1.0", "mesh.tracing.export-actuator-traces=true")) {
			assertThat(get(context, "/actuator/health").statusCode()).isEqualTo(200);
			JsonNode span = this.json.readTree(this.zipkin.takeRequest().body()).get(0);
			assertThat(span.path("tags").path("http.url").asString()).isEqualTo("/actuator/health");
		}
	}

	/**
	 * Every span the application reported to the stand-in Zipkin until {@code count} spans of
	 * trace {@code traceId} have arrived (10 s at most).
	 */
	private List<JsonNode> reported(String traceId, int count) throws InterruptedException {
		List<JsonNode> spans = new ArrayList<>();
		int ofTrace = 0;
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		while (ofTrace < count && System.nanoTime() < deadline) {
			RecordedRequest post = this.zipkin.takeRequest();
			assertThat(post.method()).isEqualTo("POST");
			assertThat(post.target()).isEqualTo("/api/v2/spans");
			for (JsonNode span : this.json.readTree(post.body())) {
				spans.add(span);
				if (traceId.equals(span.path("traceId").asString())) {
					ofTrace++;
				}
			}
		}
		return spans;
	}

	@Test
	void nothingIsExportedUnlessTheZipkinEndpointIsSet() {
		try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET)) {
			assertThat(context.getBeanProvider(AsyncZipkinSpanHandler.class).getIfAvailable()).isNull();
			assertThat(context.getBeanProvider(io.micrometer.tracing.Tracer.class).getIfAvailable())
				.as("tracing itself stays on")
				.isNotNull();
		}
		try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET,
				"management.tracing.export.zipkin.endpoint=http://127.0.0.1:9/api/v2/spans")) {
			assertThat(context.getBeanProvider(AsyncZipkinSpanHandler.class).getIfAvailable()).isNotNull();
		}
	}

	@Test
	void explicitlyEnabledZipkinExportWinsOverTheStartersDefault() {
		try (ConfigurableApplicationContext context = start(WebApplicationType.SERVLET,
				"management.tracing.export.zipkin.enabled=true")) {
			assertThat(context.getBeanProvider(AsyncZipkinSpanHandler.class).getIfAvailable()).isNotNull();
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
		return this.http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static String hex(int digits) {
		StringBuilder hex = new StringBuilder(digits);
		// A leading non-zero digit keeps 128-bit ids from reading as 64-bit ones.
		hex.append("123456789abcdef".charAt(ThreadLocalRandom.current().nextInt(15)));
		while (hex.length() < digits) {
			hex.append(Character.forDigit(ThreadLocalRandom.current().nextInt(16), 16));
		}
		return hex.toString();
	}

	/** A W3C {@code traceparent} value: version-traceid-parentid-flags. */
	private record Traceparent(String traceId, String parentId, String flags) {

		static Traceparent parse(String value) {
			assertThat(value).as("traceparent").isNotNull().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
			String[] parts = value.split("-");
			return new Traceparent(parts[1], parts[2], parts[3]);
		}

	}

}
