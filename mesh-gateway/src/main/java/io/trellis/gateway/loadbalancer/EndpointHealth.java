package io.trellis.gateway.loadbalancer;

import java.util.Map;

/**
 * What active health checks found of a service's endpoints, for its {@link ServiceBalancer}:
 * an endpoint that failed its checks is left out of load balancing until it passes again.
 */
public interface EndpointHealth {

	/** Whether the endpoint known by {@code key} ({@link ServiceBalancer#key}) failed its checks. */
	boolean isUnhealthy(String key);

	/** Whether any endpoint failed its checks: while none did, choosing skips the lookup. */
	boolean anyUnhealthy();

	/** For the admin endpoint: what the checks found of one endpoint, or an empty map. */
	Map<String, Object> describe(String key);

}
