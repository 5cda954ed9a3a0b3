package io.trellis.gateway.route;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.config.GlobalCorsProperties;
import org.springframework.cloud.gateway.handler.FilteringWebHandler;
import org.springframework.cloud.gateway.handler.RoutePredicateHandlerMapping;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's route lookup, indexed: an inbound request takes the one inbound route; an
 * outbound request's destination service is read from the request and only that service's
 * compiled routes are tried, so lookup cost does not grow with the number of services (the
 * gateway's own mapping tests every route's predicates in turn). A destination seen for the
 * first time is loaded from the control plane before routing.
 *
 * <p>It is the first of the context's handler mappings ({@link #ORDER}), ahead of actuator's,
 * and answers every request of the inbound and outbound listeners, so that they are proxied
 * whatever their path (an app's own {@code /actuator/health} too) and no other mapping is
 * consulted on the data path. It answers nothing on the admin listener, whose requests go on
 * to actuator's mappings.
 */
public class MeshRoutePredicateHandlerMapping extends RoutePredicateHandlerMapping {

	/** Ahead of every other handler mapping, actuator's ({@code -100}) included. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1000;

	private final ListenerResolver listeners;

	private final MeshRouteTable table;

	private final ServiceLoader loader;

	private final Route inboundRoute;

	public MeshRoutePredicateHandlerMapping(FilteringWebHandler webHandler, RouteLocator routeLocator,
			GlobalCorsProperties globalCorsProperties, Environment environment, ListenerResolver listeners,
			MeshRouteTable table, ServiceLoader loader, Route inboundRoute) {
		super(webHandler, routeLocator, globalCorsProperties, environment);
		this.listeners = listeners;
		this.table = table;
		this.loader = loader;
		this.inboundRoute = inboundRoute;
		setOrder(ORDER);
	}

	@Override
	protected Mono<?> getHandlerInternal(ServerWebExchange exchange) {
		if (this.listeners.resolve(exchange) == Listener.ADMIN) {
			return Mono.empty();
		}
		return super.getHandlerInternal(exchange);
	}

	@Override
	protected Mono<Route> lookupRoute(ServerWebExchange exchange) {
		Listener listener = this.listeners.resolve(exchange);
		exchange.getAttributes().put(MeshExchangeAttributes.LISTENER_ATTR, listener);
		if (listener == Listener.INBOUND) {
			return Mono.just(this.inboundRoute);
		}
		String destination;
		try {
			destination = DestinationResolver.resolve(exchange.getRequest());
		}
		catch (RuntimeException ex) {
			return Mono.error(ex);
		}
		exchange.getAttributes().put(MeshExchangeAttributes.DESTINATION_ATTR, destination);
		CompiledService compiled = this.table.get(destination);
		if (compiled != null) {
			return Mono.justOrEmpty(compiled.match(exchange));
		}
		return this.loader.load(destination).mapNotNull((loaded) -> loaded.match(exchange));
	}

	@Override
	protected String getSimpleName() {
		return "MeshRoutePredicateHandlerMapping";
	}

}
