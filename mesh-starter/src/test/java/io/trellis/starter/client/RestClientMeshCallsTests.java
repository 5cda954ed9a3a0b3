package io.trellis.starter.client;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.trellis.core.http.MeshHeaders;
import io.trellis.starter.autoconfigure.MeshAutoConfiguration;
import io.trellis.starter.autoconfigure.MeshRestClientAutoConfiguration;
import io.trellis.starter.standin.StandInOutboundListener;
import io.trellis.starter.standin.StandInOutboundListener.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real calls through the auto-configured {@code RestClient.Builder} and
 * {@code RestTemplateBuilder}, with real servers standing in for the sidecar's outbound
 * listener and for an upstream reached directly.
 */
class RestClientMeshCallsTests {

	@AutoClose
	private StandInOutboundListener sidecar;

	@AutoClose
	private StandInOutboundListener direct;

	@BeforeEach
	void startServers() throws IOException {
		this.sidecar = StandInOutboundListener.start();
		this.direct = StandInOutboundListener.start();
	}

	private WebApplicationContextRunner runner(String factory) {
		return new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class,
					MeshRestClientAutoConfiguration.class, HttpClientAutoConfiguration.class,
					ImperativeHttpClientAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
					RestClientAutoConfiguration.class, RestTemplateAutoConfiguration.class))
			.withPropertyValues("mesh.sidecar.startup-timeout=0",
					"mesh.sidecar.outbound-port=" + this.sidecar.port(),
					"spring.http.clients.imperative.factory=" + factory);
	}

	@ParameterizedTest
	@CsvSource({ "jdk, Java-http-client", "simple, Java/", "reactor, ReactorNetty" })
	void restClientSendsMeshCallToSidecarWithDestinationHeader(String factory, String userAgent) {
		runner(factory).run((context) -> {
			RestClient client = context.getBean(RestClient.Builder.class).build();
			String body = client.get().uri("http://orders/items?x=1").retrieve().body(String.class);
			assertThat(body).isEqualTo(StandInOutboundListener.BODY);
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.method()).isEqualTo("GET");
			assertThat(request.target()).isEqualTo("/items?x=1");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders");
			// The client did not hand-set Host (the JDK client would refuse): it names the sidecar.
			assertThat(request.header("Host")).isEqualTo("127.0.0.1:" + this.sidecar.port());
			// Proves which request factory made the call.
			assertThat(request.header("User-Agent")).startsWith(userAgent);
			assertThat(context.getBean(CalledServices.class).names()).containsExactly("orders");
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdk", "simple" })
	void restClientKeepsPortMethodAndBodyOfMeshCall(String factory) {
		runner(factory).run((context) -> {
			RestClient client = context.getBean(RestClient.Builder.class).build();
			client.post()
				.uri("http://orders:8080/items/42?dry-run=true")
				.contentType(MediaType.APPLICATION_JSON)
				.body("{\"quantity\":3}")
				.retrieve()
				.toBodilessEntity();
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.method()).isEqualTo("POST");
			assertThat(request.target()).isEqualTo("/items/42?dry-run=true");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders:8080");
			assertThat(request.header("Content-Type")).isEqualTo("application/json");
			assertThat(request.body()).isEqualTo("{\"quantity\":3}");
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdk", "simple" })
	void restTemplateSendsMeshCallToSidecarWithDestinationHeader(String factory) {
		runner(factory).run((context) -> {
			RestTemplate restTemplate = context.getBean(RestTemplateBuilder.class).build();
			String body = restTemplate.getForObject("http://orders/items?x=1", String.class);
			assertThat(body).isEqualTo(StandInOutboundListener.BODY);
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.target()).isEqualTo("/items?x=1");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("orders");
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "jdk", "simple" })
	void loopbackCallsGoDirectly(String factory) {
		runner(factory).run((context) -> {
			RestClient client = context.getBean(RestClient.Builder.class).build();
			RestTemplate restTemplate = context.getBean(RestTemplateBuilder.class).build();
			client.get().uri("http://localhost:" + this.direct.port() + "/ping").retrieve().toBodilessEntity();
			restTemplate.getForObject("http://127.0.0.1:" + this.direct.port() + "/ping?y=2", String.class);
			RecordedRequest first = this.direct.takeRequest();
			RecordedRequest second = this.direct.takeRequest();
			assertThat(first.target()).isEqualTo("/ping");
			assertThat(first.header(MeshHeaders.DESTINATION)).isNull();
			assertThat(second.target()).isEqualTo("/ping?y=2");
			assertThat(second.header(MeshHeaders.DESTINATION)).isNull();
			assertThat(this.sidecar.receivedNothing()).isTrue();
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://orders/items", "http://api.example.com/items", "http://legacy/items",
			"http://LEGACY:8080/items" })
	void nonMeshUrlsReachTheRequestFactoryUntouched(String url) {
		runner("jdk").withPropertyValues("mesh.client.exclude-hosts=legacy").run((context) -> {
			RecordingRequestFactory factory = new RecordingRequestFactory();
			RestClient client = context.getBean(RestClient.Builder.class).requestFactory(factory).build();
			client.get().uri(url).retrieve().toBodilessEntity();
			assertThat(factory.uris).containsExactly(URI.create(url));
			assertThat(factory.headers.get(0).containsHeader(MeshHeaders.DESTINATION)).isFalse();
			assertThat(context.getBean(CalledServices.class).names()).isEmpty();
		});
	}

	@Test
	void includedHostsGoThroughTheSidecar() {
		runner("jdk").withPropertyValues("mesh.client.include-hosts=localhost").run((context) -> {
			RestClient client = context.getBean(RestClient.Builder.class).build();
			client.get().uri("http://localhost:" + this.direct.port() + "/ping").retrieve().toBodilessEntity();
			RecordedRequest request = this.sidecar.takeRequest();
			assertThat(request.target()).isEqualTo("/ping");
			assertThat(request.header(MeshHeaders.DESTINATION)).isEqualTo("localhost:" + this.direct.port());
			assertThat(this.direct.receivedNothing()).isTrue();
		});
	}

	@Test
	void restClientBuiltWithoutMeshCallsDirectly() {
		// localhost is made a mesh host so that the bypass can be observed on a real server.
		runner("jdk").withPropertyValues("mesh.client.include-hosts=localhost").run((context) -> {
			String url = "http://localhost:" + this.direct.port() + "/ping";
			RestClient meshClient = context.getBean(RestClient.Builder.class).build();
			RestClient directClient = MeshRestClients.withoutMesh(context.getBean(RestClient.Builder.class)).build();
			meshClient.get().uri(url).retrieve().toBodilessEntity();
			directClient.get().uri(url).retrieve().toBodilessEntity();
			assertThat(this.sidecar.takeRequest().header(MeshHeaders.DESTINATION))
				.isEqualTo("localhost:" + this.direct.port());
			RecordedRequest request = this.direct.takeRequest();
			assertThat(request.target()).isEqualTo("/ping");
			assertThat(request.header(MeshHeaders.DESTINATION)).isNull();
			assertThat(this.sidecar.receivedNothing()).isTrue();
		});
	}

	@Test
	void restTemplateWithoutMeshCallsDirectly() {
		runner("simple").withPropertyValues("mesh.client.include-hosts=localhost").run((context) -> {
			String url = "http://localhost:" + this.direct.port() + "/ping";
			RestTemplate meshTemplate = context.getBean(RestTemplateBuilder.class).build();
			RestTemplate directTemplate = MeshRestClients.withoutMesh(context.getBean(RestTemplateBuilder.class).build());
			meshTemplate.getForObject(url, String.class);
			directTemplate.getForObject(url, String.class);
			assertThat(this.sidecar.takeRequest().header(MeshHeaders.DESTINATION)).isNotNull();
			assertThat(this.direct.takeRequest().header(MeshHeaders.DESTINATION)).isNull();
			assertThat(directTemplate.getInterceptors()).noneMatch(MeshClientHttpRequestInterceptor.class::isInstance);
		});
	}

	@Test
	void restTemplateBuilderWithoutMeshCustomizerCallsDirectly() {
		runner("jdk").withPropertyValues("mesh.client.include-hosts=localhost").run((context) -> {
			RestTemplate directTemplate = context.getBean(RestTemplateBuilder.class)
				.additionalCustomizers(MeshRestClients::withoutMesh)
				.build();
			directTemplate.getForObject("http://localhost:" + this.direct.port() + "/ping", String.class);
			assertThat(this.direct.takeRequest().header(MeshHeaders.DESTINATION)).isNull();
			assertThat(this.sidecar.receivedNothing()).isTrue();
		});
	}

	/** Records what reaches the request factory, after every interceptor ran, and answers 204. */
	static final class RecordingRequestFactory implements ClientHttpRequestFactory {

		final List<URI> uris = new ArrayList<>();

		final List<HttpHeaders> headers = new ArrayList<>();

		@Override
		public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
			this.uris.add(uri);
			MockClientHttpRequest request = new MockClientHttpRequest(httpMethod, uri) {

				@Override
				protected org.springframework.http.client.ClientHttpResponse executeInternal() {
					RecordingRequestFactory.this.headers.add(HttpHeaders.copyOf(getHeaders()));
					return new MockClientHttpResponse(new byte[0], HttpStatus.NO_CONTENT);
				}

			};
			return request;
		}

	}

}
