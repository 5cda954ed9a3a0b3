package io.trellis.gateway.route;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import io.trellis.core.policy.Subset;
import io.trellis.core.policy.WeightedSubset;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * Picks, per request, one destination of a route by weight and records its subset for the
 * load balancer. Weights are relative; the choice is an independent draw per request.
 */
public class SubsetSplitFilter implements GatewayFilter {

	private final Subset[] subsets;

	private final long[] cumulative;

	private final long total;

	/**
	 * @param destinations the route's destinations
	 * @param subsets resolves a subset name to its definition
	 */
	public SubsetSplitFilter(List<WeightedSubset> destinations, java.util.Map<String, Subset> subsets) {
		this.subsets = new Subset[destinations.size()];
		this.cumulative = new long[destinations.size()];
		long sum = 0;
		for (int i = 0; i < destinations.size(); i++) {
			WeightedSubset destination = destinations.get(i);
			this.subsets[i] = (destination.subset() != null) ? subsets.get(destination.subset()) : null;
			sum += destination.weight();
			this.cumulative[i] = sum;
		}
		this.total = sum;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Subset subset = choose();
		if (subset != null) {
			exchange.getAttributes().put(MeshExchangeAttributes.SUBSET_ATTR, subset);
		}
		return chain.filter(exchange);
	}

	/** The subset of a weighted draw; null means the whole service. */
	Subset choose() {
		if (this.subsets.length == 1) {
			return this.subsets[0];
		}
		long draw = ThreadLocalRandom.current().nextLong(this.total);
		for (int i = 0; i < this.cumulative.length; i++) {
			if (draw < this.cumulative[i]) {
				return this.subsets[i];
			}
		}
		return this.subsets[this.subsets.length - 1];
	}

}
