package io.trellis.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * One routing rule: requests meeting {@link #match()} are split across {@link #to()} by weight.
 *
 * @param match conditions the request must meet
 * @param to where matching requests go, each with a relative weight
 * @param retryable whether requests of every method may be retried, not only idempotent ones
 */
public record RouteRule(RouteMatch match, List<WeightedSubset> to, boolean retryable) {

	/** The rule every policy ends with: any request, to every endpoint of the service. */
	public static final RouteRule TO_ALL_ENDPOINTS = new RouteRule(RouteMatch.ANY,
			List.of(new WeightedSubset(null, 1)));

	/** A rule that retries only idempotent requests. */
	public RouteRule(RouteMatch match, List<WeightedSubset> to) {
		this(match, to, false);
	}

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
