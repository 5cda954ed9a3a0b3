package io.trellis.gateway.route;

import java.util.List;

import io.trellis.core.policy.RouteMatch;
import io.trellis.core.policy.ServicePolicy;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.web.server.ServerWebExchange;

/**
 * One service's policy compiled into gateway routes, immutable, swapped whole when a new
 * version is applied. Finding the route for a request looks only at this service's routes.
 *
 * @param service the destination service
 * @param version the policy version compiled
 * @param policy the policy compiled
 * @param routes the routes in evaluation order; the last one matches every request
 */
public record CompiledService(String service, String version, ServicePolicy policy, List<CompiledRoute> routes) {

	public CompiledService {
		routes = List.copyOf(routes);
	}

	/** The first route whose match fits the request. */
	public Route match(ServerWebExchange exchange) {
		RequestMatchView request = new RequestMatchView(exchange.getRequest());
		for (CompiledRoute route : this.routes) {
			if (route.match().matches(request)) {
				return route.route();
			}
		}
		return null;
	}

	/**
	 * @param match the conditions of the route
	 * @param route the gateway route that serves matching requests
	 */
	public record CompiledRoute(RouteMatch match, Route route) {
	}

}
