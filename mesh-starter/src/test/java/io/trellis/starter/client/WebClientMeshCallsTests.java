package io.trellis.starter.client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.autoconfigure.MeshAutoConfiguration;
import io.trellis.starter.autoconfigure.MeshWebClientAutoConfiguration;
import io.trellis.starter.standin.StandInOutboundListener;
import io.trellis.starter.standin.StandInOutboundListener.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real calls through the auto-configured {@code WebClient.Builder}, with real servers standing
 * in for the sidecar's outbound listener and for an upstream reached directly.
 */
class WebClientMeshCallsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	@AutoClose
	private StandInOutboundListener sidecar;

	@AutoClose
	private StandInOutboundListener direct;

	@BeforeEach
	void startServers() throws IOException {
		this.sidecar = StandInOutboundListener.start();
		this.direct = StandInOutboundListener.start();
	}

	private ReactiveWebApplicationContextRunner runner(String connector) {
		return new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshWebClientAutoConfiguration.class,
					HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
					WebClientAutoConfiguration.class))
			.withPropertyValues("mesh.sidecar.startup-timeout=0", "spring.reactor.netty.shutdown-quiet-period=0s",
					"mesh.sidecar.outbound-port=" + this.sidecar.port(),
					"spring.http.clients.reactive.connector=" + connector);
	}

	@ParameterizedTest
	@CsvSource({ "reactor, ReactorNetty", "jdk, Java-http-client" })
	void webClientSendsMeshCallToSidecarWithDestinationHeader(String connector, String userAgent) {
		runner(connector).run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			String body = client.get().uri("http://orders/items?x=1").retrieve().bodyToMono(String.class).block(TIMEOUT);
			assertThat(body).isEqualTo(StandInOutboundListener.BODY);
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.target()).isEqualTo("/items?x=1");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders");
			assertThat(request.header("Host")).isEqualTo("127.0.0.1:" + this.sidecar.port());
			assertThat(request.header("User-Agent")).startsWith(userAgent);
			assertThat(context.getBean(CalledServices.class).names()).containsExactly("orders");
		});
	}

	@Test
	void webClientKeepsPortMethodAndBodyOfMeshCall() {
		runner("reactor").run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			client.post()
				.uri("http://orders:8080/items/42?dry-run=true")
				.bodyValue("three")
				.retrieve()
				.toBodilessEntity()
				.block(TIMEOUT);
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.method()).isEqualTo("POST");
			assertThat(request.target()).isEqualTo("/items/42?dry-run=true");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders:8080");
			assertThat(request.body()).isEqualTo("three");
		});
	}

	@Test
	void loopbackCallsGoDirectly() {
		runner("reactor").run((context) -> {
			WebClient client = context.getBean(WebClient.Builder.class).build();
			client.get().uri("http://localhost:" + this.direct.port() + "/ping").retrieve().toBodilessEntity().block(TIMEOUT);
			client.get().uri("http://127.0.0.1:" + this.direct.port() + "/ping?y=2").retrieve().toBodilessEntity().block(TIMEOUT);
			assertThat(this.direct.takeRequest().header(MeshHeaders.DESTINATION)).isNull();
			assertThat(this.direct.takeRequest().target()).isEqualTo("/ping?y=2");
			assertThat(this.sidecar.receivedNothing()).isTrue();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://orders/items", "http://api.example.com/items", "http://legacy/items" })
	void nonMeshUrlsReachTheConnectorUntouched(String url) {
		runner("reactor").withPropertyValues("mesh.client.exclude-hosts=legacy").run((context) -> {
			List<ClientRequest> seen = new ArrayList<>();
			WebClient client = context.getBean(WebClient.Builder.class).exchangeFunction((request) -> {
				seen.add(request);
				return Mono.just(ClientResponse.create(HttpStatus.NO_CONTENT).build());
			}).build();
			client.get().uri(url).retrieve().toBodilessEntity().block(TIMEOUT);
			assertThat(seen).hasSize(1);
			assertThat(seen.get(0).url()).hasToString(url);
			assertThat(seen.get(0).headers().containsHeader(MeshHeaders.DESTINATION)).isFalse();
		});
	}

	@Test
	void webClientBuiltWithoutMeshCallsDirectly() {
		// localhost is made a mesh host so that the bypass can be observed on a real server.
		runner("reactor").withPropertyValues("mesh.client.include-hosts=localhost").run((context) -> {
			String url = "http://localhost:" + this.direct.port() + "/ping";
			WebClient meshClient = context.getBean(WebClient.Builder.class).build();
			WebClient directClient = MeshWebClients.withoutMesh(context.getBean(WebClient.Builder.class)).build();
			meshClient.get().uri(url).retrieve().toBodilessEntity().block(TIMEOUT);
			directClient.get().uri(url).retrieve().toBodilessEntity().block(TIMEOUT);
			assertThat(this.sidecar.takeRequest().header(MeshHeaders.DESTINATION))
				.isEqualTo("localhost:" + this.direct.port());
			RecordedRequest request = this.direct.takeRequest();
			assertThat(request.target()).isEqualTo("/ping");
			assertThat(request.header(MeshHeaders.DESTINATION)).isNull();
			assertThat(this.sidecar.receivedNothing()).isTrue();
		});
	}

}
