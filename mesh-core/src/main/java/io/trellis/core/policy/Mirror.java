package io.trellis.core.policy;

/**
 * Dark traffic: a share of a route's requests copied, fire and forget, to a subset of the same
 * service or to another service ({@code mesh.policy.routes[i].mirror}), as Istio's mirroring.
 * The copy's answer and latency never reach the caller.
 *
 * @param service the service the copies go to
 * @param subset the subset of {@code service} they go to (only when it is the route's own
 * service), or null for all its endpoints
 * @param percentage share of the route's requests copied, 0 to 100
 */
public record Mirror(String service, Subset subset, double percentage) {

	public Mirror {
		ServiceNames.requireValid(service);
		if (!(percentage >= 0 && percentage <= 100)) {
			throw new IllegalArgumentException("percentage must be 0 to 100, was " + percentage);
		}
	}

}
