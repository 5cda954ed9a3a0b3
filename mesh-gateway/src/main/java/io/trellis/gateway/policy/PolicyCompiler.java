package io.trellis.gateway.policy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.trellis.core.policy.RouteRule;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.gateway.breaker.CircuitBreakerFilter;
import io.trellis.gateway.breaker.CircuitBreakers;
import io.trellis.gateway.health.HealthChecks;
import io.trellis.gateway.limit.ConcurrencyLimitFilter;
import io.trellis.gateway.limit.ConcurrencyLimiter;
import io.trellis.gateway.limit.ConcurrencyLimiters;
import io.trellis.gateway.loadbalancer.MeshLoadBalancerFilter;
import io.trellis.gateway.metrics.MeshMetrics;
import io.trellis.gateway.retry.RetryBudgets;
import io.trellis.gateway.retry.RetryFilter;
import io.trellis.gateway.route.CompiledService;
import io.trellis.gateway.route.CompiledService.CompiledRoute;
import io.trellis.gateway.route.FaultFilter;
import io.trellis.gateway.route.MirrorFilter;
import io.trellis.gateway.route.Mirrors;
import io.trellis.gateway.route.OutboundRequestFilter;
import io.trellis.gateway.route.RequestRewriteFilter;
import io.trellis.gateway.route.RequestMatchView;
import io.trellis.gateway.route.SubsetSplitFilter;
import io.trellis.gateway.route.TimeoutFilter;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;

/**
 * Compiles a destination's {@link ServicePolicy} into Spring Cloud Gateway routes: one per
 * rule, in order, each sending to {@code mesh://<service>} through filters that bound the call
 * by the policy timeout, pick a subset by weight, mark the request as the caller's and retry
 * it as the policy says.
 */
public class PolicyCompiler {

	/** Order of the timeout filter: outermost, so the timeout covers everything after routing. */
	public static final int TIMEOUT_ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

	/** Order of the filter that rewrites headers for the destination. */
	public static final int OUTBOUND_HEADERS_ORDER = Ordered.HIGHEST_PRECEDENCE + 200;

	/** Order of the subset choice; before the load balancer at {@link MeshLoadBalancerFilter#ORDER}. */
	public static final int SPLIT_ORDER = Ordered.HIGHEST_PRECEDENCE + 300;

	/**
	 * Order of the retries: inside the timeout and the subset choice, and inside the gateway's
	 * response writer (order -1), so a response is looked at before any of it is sent to the
	 * caller; before the route's URL is set (10000) and the load balancer, so each try is
	 * routed and balanced anew.
	 */
	public static final int RETRY_ORDER = 5000;

	/** Order of the route's request and response rewrites: after the outbound headers, before the split. */
	public static final int REWRITE_ORDER = Ordered.HIGHEST_PRECEDENCE + 250;

	/** Order of fault injection: inside the timeout, outside the circuit breaker and the retries. */
	public static final int FAULT_ORDER = Ordered.HIGHEST_PRECEDENCE + 320;

	/** Order of mirroring: after the rewrites and fault injection, before the breaker and the retries. */
	public static final int MIRROR_ORDER = Ordered.HIGHEST_PRECEDENCE + 340;

	/**
	 * Order of the concurrency limit: after mirroring, before the circuit breaker (a call refused
	 * here never reaches the service, so it is no sign of the service's health) and the retries
	 * (one slot covers a call's retries).
	 */
	public static final int CONCURRENCY_LIMIT_ORDER = Ordered.HIGHEST_PRECEDENCE + 345;

	/** Order of the circuit breaker: inside the timeout and the subset choice, outside the retries. */
	public static final int CIRCUIT_BREAKER_ORDER = Ordered.HIGHEST_PRECEDENCE + 350;

	private final RetryBudgets budgets;

	private final CircuitBreakers breakers;

	private final MeshMetrics metrics;

	private final HealthChecks healthChecks;

	private final Mirrors mirrors;

	private final ConcurrencyLimiters limiters;

	/** A compiler with retry budgets and circuit breakers of its own. */
	public PolicyCompiler() {
		this(new RetryBudgets(), new CircuitBreakers());
	}

	/**
	 * @param budgets the destinations' retry budgets, shared by every version compiled
	 * @param breakers the destinations' circuit breakers, shared likewise
	 * @param metrics counts retries and refused retries
	 */
	public PolicyCompiler(RetryBudgets budgets, CircuitBreakers breakers, MeshMetrics metrics) {
		this(budgets, breakers, metrics, null);
	}

	/**
	 * @param budgets the destinations' retry budgets, shared by every version compiled
	 * @param breakers the destinations' circuit breakers, shared likewise
	 * @param metrics counts retries and refused retries
	 * @param healthChecks started, changed or stopped by each compiled policy (null: none)
	 */
	public PolicyCompiler(RetryBudgets budgets, CircuitBreakers breakers, MeshMetrics metrics,
			HealthChecks healthChecks) {
		this(budgets, breakers, metrics, healthChecks, null);
	}

	/**
	 * @param budgets the destinations' retry budgets, shared by every version compiled
	 * @param breakers the destinations' circuit breakers, shared likewise
	 * @param metrics counts retries and refused retries
	 * @param healthChecks started, changed or stopped by each compiled policy (null: none)
	 * @param mirrors sends routes' mirrored copies (null: routes do not mirror)
	 */
	public PolicyCompiler(RetryBudgets budgets, CircuitBreakers breakers, MeshMetrics metrics,
			HealthChecks healthChecks, Mirrors mirrors) {
		this(budgets, breakers, metrics, healthChecks, mirrors, new ConcurrencyLimiters());
	}

	/**
	 * @param budgets the destinations' retry budgets, shared by every version compiled
	 * @param breakers the destinations' circuit breakers, shared likewise
	 * @param metrics counts retries and refused retries
	 * @param healthChecks started, changed or stopped by each compiled policy (null: none)
	 * @param mirrors sends routes' mirrored copies (null: routes do not mirror)
	 * @param limiters the destinations' concurrency limiters, shared by every version compiled
	 */
	public PolicyCompiler(RetryBudgets budgets, CircuitBreakers breakers, MeshMetrics metrics,
			HealthChecks healthChecks, Mirrors mirrors, ConcurrencyLimiters limiters) {
		this.limiters = limiters;
		this.budgets = budgets;
		this.breakers = breakers;
		this.metrics = metrics;
		this.healthChecks = healthChecks;
		this.mirrors = mirrors;
	}

	/**
	 * @param budgets the destinations' retry budgets, shared by every version compiled
	 * @param breakers the destinations' circuit breakers, shared likewise
	 */
	public PolicyCompiler(RetryBudgets budgets, CircuitBreakers breakers) {
		this(budgets, breakers, MeshMetrics.NONE);
	}

	/** The route metadata holding the policy's {@link io.trellis.core.policy.LoadBalancing}. */
	public static final String LOAD_BALANCING_METADATA = "mesh.load-balancing";

	/** The route metadata holding the policy's {@link io.trellis.core.policy.OutlierDetection}. */
	public static final String OUTLIER_DETECTION_METADATA = "mesh.outlier-detection";

	/** The route metadata holding the route's name, as metrics and logs show it. */
	public static final String ROUTE_METADATA = "mesh.route";

	public CompiledService compile(ServicePolicy policy, String version) {
		String service = policy.service();
		URI uri = URI.create(MeshLoadBalancerFilter.SCHEME + "://" + service);
		GatewayFilter timeout = new OrderedGatewayFilter(new TimeoutFilter(service, policy.timeout()), TIMEOUT_ORDER);
		GatewayFilter headers = new OrderedGatewayFilter(new OutboundRequestFilter(service), OUTBOUND_HEADERS_ORDER);
		List<RouteRule> rules = policy.effectiveRoutes();
		GatewayFilter breaker = null;
		if (policy.circuitBreaker().enabled()) {
			breaker = new OrderedGatewayFilter(new CircuitBreakerFilter(service, policy.circuitBreaker(), this.breakers),
					CIRCUIT_BREAKER_ORDER);
		}
		else {
			this.breakers.remove(service);
		}
		if (this.healthChecks != null) {
			this.healthChecks.configure(service, policy.healthCheck());
		}
		ConcurrencyLimiter limiter = this.limiters.configure(service, policy.concurrencyLimit());
		GatewayFilter concurrency = (limiter != null)
				? new OrderedGatewayFilter(new ConcurrencyLimitFilter(limiter, this.metrics), CONCURRENCY_LIMIT_ORDER)
				: null;
		List<CompiledRoute> routes = new ArrayList<>(rules.size());
		for (int i = 0; i < rules.size(); i++) {
			RouteRule rule = rules.get(i);
			GatewayFilter split = new OrderedGatewayFilter(new SubsetSplitFilter(rule.to(), policy.subsets()),
					SPLIT_ORDER);
			GatewayFilter retry = new OrderedGatewayFilter(
					new RetryFilter(service, rule.nameAt(i), policy.retries(), rule.retryable(), this.budgets.get(service),
							this.metrics), RETRY_ORDER);
			List<GatewayFilter> filters = new ArrayList<>(7);
			filters.add(timeout);
			filters.add(headers);
			if (rule.requestHeaders().active() || rule.responseHeaders().active() || rule.rewrite() != null) {
				filters.add(new OrderedGatewayFilter(
						new RequestRewriteFilter(rule.requestHeaders(), rule.responseHeaders(), rule.rewrite()),
						REWRITE_ORDER));
			}
			filters.add(split);
			if (rule.fault().active()) {
				filters.add(new OrderedGatewayFilter(new FaultFilter(service, rule.fault(), this.metrics), FAULT_ORDER));
			}
			if (rule.mirror() != null && this.mirrors != null) {
				filters.add(new OrderedGatewayFilter(new MirrorFilter(service, rule.mirror(), policy.timeout(),
						this.mirrors), MIRROR_ORDER));
			}
			if (concurrency != null) {
				filters.add(concurrency);
			}
			if (breaker != null) {
				filters.add(breaker);
			}
			filters.add(retry);
			Route route = Route.async()
				.id(service + "#" + i)
				.uri(uri)
				.order(i)
				.predicate((exchange) -> rule.match().matches(new RequestMatchView(exchange.getRequest())))
				.filters(filters)
				.metadata("mesh.service", service)
				.metadata(ROUTE_METADATA, rule.nameAt(i))
				.metadata("mesh.policy-version", version)
				.metadata(LOAD_BALANCING_METADATA, policy.loadBalancer())
				.metadata(OUTLIER_DETECTION_METADATA, policy.outlierDetection())
				.build();
			routes.add(new CompiledRoute(rule.match(), route));
		}
		return new CompiledService(service, version, policy, routes);
	}

}
