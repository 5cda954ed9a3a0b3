package io.trellis.core.policy;

import java.util.List;
import java.util.Objects;

/**
 * One routing rule: requests meeting {@link #match()} are split across {@link #to()} by weight.
 *
 * @param match conditions the request must meet
 * @param to where matching requests go, each with a relative weight
 * @param retryable whether requests of every method may be retried, not only idempotent ones
 * @param fault faults injected into the route's requests
 * @param requestHeaders changes to the headers of the route's requests
 * @param responseHeaders changes to the headers of their responses
 * @param rewrite how the path is rewritten, or null
 * @param mirror where copies of the route's requests go, or null
 * @param name the route's name in metrics, traces and logs, or null for the default
 * ({@code route-<index>})
 */
public record RouteRule(RouteMatch match, List<WeightedSubset> to, boolean retryable, FaultInjection fault,
		HeaderRewrite requestHeaders, HeaderRewrite responseHeaders, PathRewrite rewrite, Mirror mirror, String name) {

	/** Name of the catch-all route the mesh adds when a policy's routes do not end with one. */
	public static final String DEFAULT_NAME = "default";

	/** The rule every policy ends with: any request, to every endpoint of the service. */
	public static final RouteRule TO_ALL_ENDPOINTS = new RouteRule(RouteMatch.ANY, List.of(new WeightedSubset(null, 1)),
			false, FaultInjection.NONE, HeaderRewrite.NONE, HeaderRewrite.NONE, null, null, DEFAULT_NAME);

	/** A rule that retries only idempotent requests. */
	public RouteRule(RouteMatch match, List<WeightedSubset> to) {
		this(match, to, false);
	}

	/** A rule without faults or rewrites. */
	public RouteRule(RouteMatch match, List<WeightedSubset> to, boolean retryable) {
		this(match, to, retryable, FaultInjection.NONE, HeaderRewrite.NONE, HeaderRewrite.NONE, null, null);
	}

	/** A rule with the default name. */
	public RouteRule(RouteMatch match, List<WeightedSubset> to, boolean retryable, FaultInjection fault,
			HeaderRewrite requestHeaders, HeaderRewrite responseHeaders, PathRewrite rewrite, Mirror mirror) {
		this(match, to, retryable, fault, requestHeaders, responseHeaders, rewrite, mirror, null);
	}

	/** The route's name: its own, or {@code route-<index>} for the rule at {@code index}. */
	public String nameAt(int index) {
		return (this.name != null) ? this.name : "route-" + index;
	}

	public RouteRule {
		match = (match != null) ? match : RouteMatch.ANY;
		fault = (fault != null) ? fault : FaultInjection.NONE;
		requestHeaders = (requestHeaders != null) ? requestHeaders : HeaderRewrite.NONE;
		responseHeaders = (responseHeaders != null) ? responseHeaders : HeaderRewrite.NONE;
		to = List.copyOf(Objects.requireNonNull(to, "to"));
		if (to.isEmpty()) {
			throw new IllegalArgumentException("a route needs at least one destination");
		}
		if (to.stream().mapToLong(WeightedSubset::weight).sum() <= 0) {
			throw new IllegalArgumentException("a route's weights must not all be 0");
		}
	}

}
