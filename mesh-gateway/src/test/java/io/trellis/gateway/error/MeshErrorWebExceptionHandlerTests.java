package io.trellis.gateway.error;

import java.net.ConnectException;
import java.time.Duration;

import io.trellis.gateway.route.Listener;
import io.trellis.gateway.route.MeshExchangeAttributes;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class MeshErrorWebExceptionHandlerTests {

	private final MeshErrorWebExceptionHandler handler = new MeshErrorWebExceptionHandler();

	@Test
	void meshErrorCarriesStatusReasonHeaderAndJsonNamingTheService() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		StepVerifier.create(this.handler.handle(exchange,
				new MeshException(MeshError.NO_ENDPOINTS, "orders", "Service orders has no \"live\" endpoint")))
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
		assertThat(exchange.getResponse().getHeaders().getFirst(MeshError.HEADER)).isEqualTo("no-endpoints");
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).isEqualTo(
				"{\"error\":\"no-endpoints\",\"service\":\"orders\",\"message\":\"Service orders has no \\\"live\\\" endpoint\"}");
	}

	@Test
	void refusedConnectionIsUpstreamUnavailableOutboundAndAppUnavailableInbound() {
		MockServerWebExchange outbound = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		outbound.getAttributes().put(MeshExchangeAttributes.LISTENER_ATTR, Listener.OUTBOUND);
		outbound.getAttributes().put(MeshExchangeAttributes.DESTINATION_ATTR, "orders");
		this.handler.handle(outbound, new RuntimeException(new ConnectException("Connection refused"))).block();
		assertThat(outbound.getResponse().getStatusCode()).isEqualTo(HttpStatus.BAD_GATEWAY);
		assertThat(outbound.getResponse().getHeaders().getFirst(MeshError.HEADER)).isEqualTo("upstream-unavailable");

		MockServerWebExchange inbound = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		inbound.getAttributes().put(MeshExchangeAttributes.LISTENER_ATTR, Listener.INBOUND);
		this.handler.handle(inbound, new ConnectException("Connection refused")).block();
		assertThat(inbound.getResponse().getHeaders().getFirst(MeshError.HEADER)).isEqualTo("app-unavailable");
	}

	@Test
	void otherFailuresGoOnToSpringBootsHandler() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		IllegalStateException failure = new IllegalStateException("bug");
		StepVerifier.create(this.handler.handle(exchange, failure))
			.expectErrorMatches((ex) -> ex == failure)
			.verify(Duration.ofSeconds(5));
		assertThat(exchange.getResponse().getHeaders().containsHeader(MeshError.HEADER)).isFalse();
	}

}
