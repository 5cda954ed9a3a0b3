package io.trellis.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * One routing rule: requests meeting {@link #match()} are split across {@link #to()} by weight.
 *
 * @param match conditions the request must meet
 * @param to where matching requests go, each with a relative weight
 */
public record RouteRule(RouteMatch match, List<WeightedSubset> to) {

	/** The rule every policy ends with: any request, to every endpoint of the service. */
	public static final RouteRule TO_ALL_ENDPOINTS = new RouteRule(RouteMatch.ANY,
			List.of(new WeightedSubset(null, 1)));

	public RouteRule {
		match = (match != null) ? match : RouteMatch.ANY;
		to = List.copyOf(Objects.requireNonNull(to, "to"));
		if (to.isEmpty()) {
			throw new IllegalArgumentException("a route needs at least one destination");
		}
		if (to.stream().mapToLong(WeightedSubset::weight).sum() <= 0) {
			throw new IllegalArgumentException("a route's weights must not all be 0");
		}
	}

}
