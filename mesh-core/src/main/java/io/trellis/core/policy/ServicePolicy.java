package io.trellis.core.policy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How callers reach one service: the validated, immutable result of binding that service's
 * policy file merged over the mesh-wide defaults. Built by {@link PolicyBinder}.
 *
 * @param service the service this policy is for
 * @param timeout total time a call may take, from the caller's sidecar to the response
 * @param subsets named groups of the service's endpoints, selected by labels
 * @param routes rules evaluated in order; the first whose match fits the request decides
 * where it goes; a request no rule matches goes to every endpoint of the service
 * @param loadBalancer how requests are spread over the chosen endpoints
 * @param retries when and how failed requests are tried again
 * @param circuitBreaker when calls to the service stop while it fails
 * @param outlierDetection when one endpoint that keeps failing is left out
 * @param healthCheck how callers check each endpoint actively, if at all
 * @param concurrencyLimit how many calls each caller's sidecar lets be outstanding at once
 * @param rateLimit how many requests per second each instance of the service accepts (applied by
 * the service's own sidecars, on their inbound listener)
 */
public record ServicePolicy(String service, Duration timeout, Map<String, Subset> subsets, List<RouteRule> routes,
		LoadBalancing loadBalancer, RetryPolicy retries, CircuitBreaking circuitBreaker,
		OutlierDetection outlierDetection, HealthCheck healthCheck, ConcurrencyLimit concurrencyLimit,
		RateLimit rateLimit) {

	/** Timeout when policy sets none (Envoy's default route timeout). */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

	/** Largest timeout policy may set. */
	public static final Duration MAX_TIMEOUT = Duration.ofHours(1);

	public ServicePolicy {
		ServiceNames.requireValid(service);
		Objects.requireNonNull(timeout, "timeout");
		if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
			throw new IllegalArgumentException("timeout must be > 0 and <= 1h, was " + timeout);
		}
		subsets = (subsets != null) ? java.util.Collections.unmodifiableMap(new LinkedHashMap<>(subsets)) : Map.of();
		routes = (routes != null) ? List.copyOf(routes) : List.of();
		loadBalancer = (loadBalancer != null) ? loadBalancer : LoadBalancing.DEFAULT;
		retries = (retries != null) ? retries : RetryPolicy.DEFAULT;
		circuitBreaker = (circuitBreaker != null) ? circuitBreaker : CircuitBreaking.DISABLED;
		outlierDetection = (outlierDetection != null) ? outlierDetection : OutlierDetection.DEFAULT;
		healthCheck = (healthCheck != null) ? healthCheck : HealthCheck.DISABLED;
		concurrencyLimit = (concurrencyLimit != null) ? concurrencyLimit : ConcurrencyLimit.DISABLED;
		rateLimit = (rateLimit != null) ? rateLimit : RateLimit.DISABLED;
		for (RouteRule route : routes) {
			for (WeightedSubset to : route.to()) {
				if (to.subset() != null && !subsets.containsKey(to.subset())) {
					throw new IllegalArgumentException("route refers to undefined subset '" + to.subset() + "'");
				}
			}
		}
	}

	/** A policy without limits. */
	public ServicePolicy(String service, Duration timeout, Map<String, Subset> subsets, List<RouteRule> routes,
			LoadBalancing loadBalancer, RetryPolicy retries, CircuitBreaking circuitBreaker,
			OutlierDetection outlierDetection, HealthCheck healthCheck) {
		this(service, timeout, subsets, routes, loadBalancer, retries, circuitBreaker, outlierDetection, healthCheck,
				ConcurrencyLimit.DISABLED, RateLimit.DISABLED);
	}

	/** A policy without active health checks. */
	public ServicePolicy(String service, Duration timeout, Map<String, Subset> subsets, List<RouteRule> routes,
			LoadBalancing loadBalancer, RetryPolicy retries, CircuitBreaking circuitBreaker,
			OutlierDetection outlierDetection) {
		this(service, timeout, subsets, routes, loadBalancer, retries, circuitBreaker, outlierDetection,
				HealthCheck.DISABLED);
	}

	/** A policy with the default load balancing and retries. */
	public ServicePolicy(String service, Duration timeout, Map<String, Subset> subsets, List<RouteRule> routes) {
		this(service, timeout, subsets, routes, LoadBalancing.DEFAULT, RetryPolicy.DEFAULT, CircuitBreaking.DISABLED,
				OutlierDetection.DEFAULT, HealthCheck.DISABLED);
	}

	/** The policy of a service that has no policy of its own and no mesh-wide defaults. */
	public static ServicePolicy defaults(String service) {
		return new ServicePolicy(service, DEFAULT_TIMEOUT, Map.of(), List.of());
	}

	/**
	 * The routes to evaluate, in order: the declared ones, then (unless the last declared
	 * route already matches every request) the implicit route to every endpoint.
	 */
	public List<RouteRule> effectiveRoutes() {
		if (!this.routes.isEmpty() && this.routes.get(this.routes.size() - 1).match().matchesEverything()) {
			return this.routes;
		}
		List<RouteRule> effective = new java.util.ArrayList<>(this.routes);
		effective.add(RouteRule.TO_ALL_ENDPOINTS);
		return List.copyOf(effective);
	}

}
