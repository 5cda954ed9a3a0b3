package io.trellis.gateway.route;

import java.time.Duration;

import io.trellis.gateway.error.MeshException;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Hands an inbound call to the local app with its {@code Host} (the service name the caller
 * used) and the caller's identity headers as the caller's sidecar set them. A call whose
 * deadline ({@link Deadlines}) has passed is refused without calling the app; otherwise the
 * app has what is left of it, and is told so in the same header.
 */
public class InboundRequestFilter implements GatewayFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		exchange.getAttributes().put(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE, true);
		Duration carried;
		try {
			carried = Deadlines.remaining(exchange.getRequest().getHeaders());
		}
		catch (MeshException ex) {
			return Mono.error(ex);
		}
		if (carried == null) {
			return chain.filter(exchange);
		}
		if (carried.isZero() || carried.isNegative()) {
			return Mono.error(Deadlines.exceeded(null,
					"The request's deadline had passed when it reached this instance; the application was not called"));
		}
		Deadlines.start(exchange, carried);
		return chain.filter(exchange)
			.timeout(carried, Mono.error(() -> Deadlines.exceeded(null, "No complete response from the application "
					+ "within the " + carried.toMillis() + " ms the request's deadline left")));
	}

}
