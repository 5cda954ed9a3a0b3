package io.trellis.gateway.route;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.trellis.core.policy.Subset;
import io.trellis.core.policy.WeightedSubset;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class SubsetSplitFilterTests {

	private static final Map<String, Subset> SUBSETS = Map.of("v1", new Subset("v1", Map.of("version", "v1")), "v2",
			new Subset("v2", Map.of("version", "v2")));

	@Test
	void observedSplitConvergesToTheConfiguredWeights() {
		SubsetSplitFilter filter = new SubsetSplitFilter(
				List.of(new WeightedSubset("v1", 90), new WeightedSubset("v2", 10)), SUBSETS);
		int draws = 200_000;
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < draws; i++) {
			counts.merge(filter.choose().name(), 1, Integer::sum);
		}
		// Binomial standard deviation for p = 0.1: sqrt(n p (1 - p)) = 134; allow 5 of them.
		assertThat(counts.get("v2")).isBetween(20_000 - 670, 20_000 + 670);
	}

	@Test
	void zeroWeightIsNeverChosen() {
		SubsetSplitFilter filter = new SubsetSplitFilter(
				List.of(new WeightedSubset("v1", 0), new WeightedSubset("v2", 100)), SUBSETS);
		for (int i = 0; i < 10_000; i++) {
			assertThat(filter.choose().name()).isEqualTo("v2");
		}
	}

	@Test
	void chosenSubsetIsRecordedForTheLoadBalancerAndWholeServiceIsNot() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		new SubsetSplitFilter(List.of(new WeightedSubset("v2", 1)), SUBSETS).filter(exchange, (e) -> Mono.empty())
			.block();
		assertThat((Subset) exchange.getAttribute(MeshExchangeAttributes.SUBSET_ATTR)).isEqualTo(SUBSETS.get("v2"));

		MockServerWebExchange whole = MockServerWebExchange.from(MockServerHttpRequest.get("/"));
		new SubsetSplitFilter(List.of(new WeightedSubset(null, 1)), SUBSETS).filter(whole, (e) -> Mono.empty()).block();
		assertThat(whole.getAttributes()).doesNotContainKey(MeshExchangeAttributes.SUBSET_ATTR);
	}

}
