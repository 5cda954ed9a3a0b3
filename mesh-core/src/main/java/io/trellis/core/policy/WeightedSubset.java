package io.trellis.core.policy;

/**
 * A destination of a route: a subset of the service (or all of it) and its relative weight.
 *
 * @param subset name of a subset defined in the policy, or {@code null} for every endpoint
 * @param weight relative share of the route's requests, 0 or more
 */
public record WeightedSubset(String subset, int weight) {

	/** Largest weight a destination may have. */
	public static final int MAX_WEIGHT = 1_000_000;

	public WeightedSubset {
		if (weight < 0 || weight > MAX_WEIGHT) {
			throw new IllegalArgumentException("weight must be between 0 and " + MAX_WEIGHT + ", was " + weight);
		}
	}

}
