package io.trellis.gateway.tracing;

import io.trellis.gateway.route.Listener;
import io.trellis.gateway.route.ListenerResolver;
import io.trellis.gateway.telemetry.RequestObserver;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Starts each proxied request's span before anything else looks at the request; the
 * {@link RequestObserver} ends it with the request's outcome.
 */
public class TracingWebFilter implements WebFilter, Ordered {

	private final SidecarTracing tracing;

	private final ListenerResolver listeners;

	public TracingWebFilter(SidecarTracing tracing, ListenerResolver listeners) {
		this.tracing = tracing;
		this.listeners = listeners;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!this.listeners.isProxied(exchange)) {
			return chain.filter(exchange);
		}
		Listener listener = this.listeners.resolve(exchange);
		var span = this.tracing.start(exchange, listener);
		exchange.getAttributes().put(RequestObserver.TRACE_ID_ATTR, span.context().traceId());
		return chain.filter(exchange);
	}

}
