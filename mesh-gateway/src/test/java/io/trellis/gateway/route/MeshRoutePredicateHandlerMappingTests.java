package io.trellis.gateway.route;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import io.trellis.core.policy.RouteMatch;
import io.trellis.core.policy.RouteRule;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.core.policy.Subset;
import io.trellis.core.policy.WeightedSubset;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.policy.PolicyCompiler;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class MeshRoutePredicateHandlerMappingTests {

	private final PolicyCompiler compiler = new PolicyCompiler();

	private final MeshRouteTable table = new MeshRouteTable();

	private final AtomicInteger loads = new AtomicInteger();

	private final AtomicInteger gatewayRouteScans = new AtomicInteger();

	private final Route inbound = Route.async().id("inbound").uri("http://127.0.0.1:8080").predicate((e) -> true).build();

	private final ListenerResolver listeners = new ListenerResolver();

	private final MeshRoutePredicateHandlerMapping mapping = new MeshRoutePredicateHandlerMapping(
			new FilteringWebHandler(List.of(), false), () -> {
				this.gatewayRouteScans.incrementAndGet();
				return Flux.empty();
			}, new GlobalCorsProperties(), new MockEnvironment(), this.listeners, this.table, (service) -> {
				this.loads.incrementAndGet();
				return Mono.error(new MeshException(MeshError.UNKNOWN_SERVICE, service, "No service named " + service));
			}, this.inbound);

	@Test
	void lookupTriesOnlyTheDestinationsRoutesAmongTenThousandServices() {
		for (int i = 0; i < 10_000; i++) {
			this.table.put(this.compiler.compile(canaryPolicy("service-" + i), "v1"));
		}
		this.table.put(this.compiler.compile(canaryPolicy("orders"), "v1"));
		AtomicInteger headerReads = new AtomicInteger();
		MockServerWebExchange mock = exchange(MockServerHttpRequest.get("http://orders/").header("x-canary", "true"));
		HttpHeaders counting = new HttpHeaders(mock.getRequest().getHeaders()) {
			@Override
			public String getFirst(String name) {
				headerReads.incrementAndGet();
				return super.getFirst(name);
			}
		};
		ServerWebExchange exchange = mock.mutate().request(new ServerHttpRequestDecorator(mock.getRequest()) {
			@Override
			public HttpHeaders getHeaders() {
				return counting;
			}
		}).build();

		Route route = this.mapping.lookupRoute(exchange).block(Duration.ofSeconds(5));

		assertThat(route.getId()).isEqualTo("orders#0");
		// The destination (two reads) and the one header of orders' first route: no other
		// service's routes were looked at.
		assertThat(headerReads.get()).isLessThanOrEqualTo(4);
		assertThat(this.gatewayRouteScans).as("scans of the gateway's route list").hasValue(0);
		assertThat(this.loads).hasValue(0);
	}

	@Test
	void unseenDestinationIsLoadedAndItsFailureIsTheAnswer() {
		StepVerifier.create(this.mapping.lookupRoute(exchange(MockServerHttpRequest.get("http://catalog/"))))
			.expectErrorSatisfies((ex) -> assertThat(((MeshException) ex).getError()).isEqualTo(MeshError.UNKNOWN_SERVICE))
			.verify(Duration.ofSeconds(5));
		assertThat(this.loads).hasValue(1);
	}

	@Test
	void requestOnTheInboundListenerTakesTheInboundRoute() {
		this.listeners.setInboundPort(15006);
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("http://orders/")
			.localAddress(new java.net.InetSocketAddress("127.0.0.1", 15006)));
		assertThat(this.mapping.lookupRoute(exchange).block(Duration.ofSeconds(5))).isSameAs(this.inbound);
		assertThat((Listener) exchange.getAttribute(MeshExchangeAttributes.LISTENER_ATTR)).isEqualTo(Listener.INBOUND);
	}

	private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
		return MockServerWebExchange.from(request.localAddress(new java.net.InetSocketAddress("127.0.0.1", 15001)));
	}

	private static ServicePolicy canaryPolicy(String service) {
		return new ServicePolicy(service, Duration.ofSeconds(1), Map.of("v2", new Subset("v2", Map.of("version", "v2"))),
				List.of(new RouteRule(new RouteMatch(Map.of("x-canary", "true")), List.of(new WeightedSubset("v2", 1)))));
	}

}
