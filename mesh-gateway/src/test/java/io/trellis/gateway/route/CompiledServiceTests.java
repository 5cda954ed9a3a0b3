package io.trellis.gateway.route;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.trellis.core.policy.RouteMatch;
import io.trellis.core.policy.RouteRule;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.core.policy.Subset;
import io.trellis.core.policy.WeightedSubset;
import io.trellis.gateway.policy.PolicyCompiler;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class CompiledServiceTests {

	private final PolicyCompiler compiler = new PolicyCompiler();

	@Test
	void firstMatchingRouteWinsAndUnmatchedRequestsFallBackToEveryEndpoint() {
		ServicePolicy policy = new ServicePolicy("orders", Duration.ofSeconds(2),
				Map.of("v2", new Subset("v2", Map.of("version", "v2"))),
				List.of(new RouteRule(new RouteMatch(Map.of("x-canary", "true")), List.of(new WeightedSubset("v2", 1)))));
		CompiledService compiled = this.compiler.compile(policy, "abc");

		assertThat(compiled.routes()).hasSize(2);
		Route canary = compiled.match(exchange("x-canary", "true"));
		assertThat(canary.getId()).isEqualTo("orders#0");
		assertThat(canary.getUri().toString()).isEqualTo("mesh://orders");
		assertThat(canary.getMetadata()).containsEntry("mesh.policy-version", "abc");
		assertThat(compiled.match(exchange("x-canary", "false")).getId()).isEqualTo("orders#1");
		assertThat(compiled.match(exchange("other", "true")).getId()).isEqualTo("orders#1");
	}

	@Test
	void everyRouteCarriesTheTimeoutHeaderSplitAndRetryFilters() {
		CompiledService compiled = this.compiler.compile(ServicePolicy.defaults("orders"), "v");
		assertThat(compiled.routes()).singleElement()
			.satisfies((route) -> assertThat(route.route().getFilters())
				.extracting((filter) -> ((org.springframework.cloud.gateway.filter.OrderedGatewayFilter) filter)
					.getDelegate()
					.getClass()
					.getSimpleName())
				.containsExactly("TimeoutFilter", "OutboundRequestFilter", "SubsetSplitFilter", "RetryFilter"));
	}

	private static MockServerWebExchange exchange(String header, String value) {
		return MockServerWebExchange.from(MockServerHttpRequest.get("http://orders/").header(header, value));
	}

}
