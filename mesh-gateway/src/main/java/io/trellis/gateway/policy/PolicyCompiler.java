package io.trellis.gateway.policy;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.trellis.core.policy.RouteRule;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.gateway.loadbalancer.MeshLoadBalancerFilter;
import io.trellis.gateway.route.CompiledService;
import io.trellis.gateway.route.CompiledService.CompiledRoute;
import io.trellis.gateway.route.OutboundRequestFilter;
import io.trellis.gateway.route.SubsetSplitFilter;
import io.trellis.gateway.route.TimeoutFilter;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;

/**
 * Compiles a destination's {@link ServicePolicy} into Spring Cloud Gateway routes: one per
 * rule, in order, each sending to {@code mesh://<service>} through filters that bound the call
 * by the policy timeout, pick a subset by weight and mark the request as the caller's.
 */
public class PolicyCompiler {

	/** Order of the timeout filter: outermost, so the timeout covers everything after routing. */
	public static final int TIMEOUT_ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

	/** Order of the filter that rewrites headers for the destination. */
	public static final int OUTBOUND_HEADERS_ORDER = Ordered.HIGHEST_PRECEDENCE + 200;

	/** Order of the subset choice; before the load balancer at {@link MeshLoadBalancerFilter#ORDER}. */
	public static final int SPLIT_ORDER = Ordered.HIGHEST_PRECEDENCE + 300;

	/** The route metadata holding the policy's {@link io.trellis.core.policy.LoadBalancing}. */
	public static final String LOAD_BALANCING_METADATA = "mesh.load-balancing";

	public CompiledService compile(ServicePolicy policy, String version) {
		String service = policy.service();
		URI uri = URI.create(MeshLoadBalancerFilter.SCHEME + "://" + service);
		GatewayFilter timeout = new OrderedGatewayFilter(new TimeoutFilter(service, policy.timeout()), TIMEOUT_ORDER);
		GatewayFilter headers = new OrderedGatewayFilter(new OutboundRequestFilter(service), OUTBOUND_HEADERS_ORDER);
		List<RouteRule> rules = policy.effectiveRoutes();
		List<CompiledRoute> routes = new ArrayList<>(rules.size());
		for (int i = 0; i < rules.size(); i++) {
			RouteRule rule = rules.get(i);
			GatewayFilter split = new OrderedGatewayFilter(new SubsetSplitFilter(rule.to(), policy.subsets()),
					SPLIT_ORDER);
			Route route = Route.async()
				.id(service + "#" + i)
				.uri(uri)
				.order(i)
				.predicate((exchange) -> rule.match().matches(exchange.getRequest().getHeaders()::getFirst))
				.filters(timeout, headers, split)
				.metadata("mesh.service", service)
				.metadata("mesh.policy-version", version)
				.metadata(LOAD_BALANCING_METADATA, policy.loadBalancer())
				.build();
			routes.add(new CompiledRoute(rule.match(), route));
		}
		return new CompiledService(service, version, policy, routes);
	}

}
