package io.trellis.gateway.route;

import java.time.Duration;

import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * Bounds a whole call, from routing to the last byte of the response, by the policy's timeout
 * (Envoy's route timeout has the same span), or by the deadline the request carries
 * ({@link Deadlines}) when that is sooner. A request whose deadline has already passed fails
 * at once without being sent. When the time runs out before the response started, the caller
 * gets {@link MeshError#UPSTREAM_TIMEOUT} (the policy's timeout) or
 * {@link MeshError#DEADLINE_EXCEEDED} (the request's deadline); after, the response is cut off.
 */
public class TimeoutFilter implements GatewayFilter {

	private final String service;

	private final Duration timeout;

	/** The policy timeout's error, made once: it makes a new exception for each call it ends. */
	private final Mono<Void> timedOut;

	public TimeoutFilter(String service, Duration timeout) {
		this.service = service;
		this.timeout = timeout;
		this.timedOut = Mono.error(() -> new MeshException(MeshError.UPSTREAM_TIMEOUT, service,
				"No complete response from " + service + " within the policy timeout of " + timeout));
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Duration carried;
		try {
			carried = Deadlines.remaining(exchange.getRequest().getHeaders());
		}
		catch (MeshException ex) {
			return Mono.error(ex);
		}
		if (carried == null || carried.compareTo(this.timeout) >= 0) {
			Deadlines.start(exchange, this.timeout);
			return chain.filter(exchange).timeout(this.timeout, this.timedOut);
		}
		if (carried.isZero() || carried.isNegative()) {
			return Mono.error(Deadlines.exceeded(this.service,
					"The request's deadline had passed when it reached the sidecar; " + this.service + " was not called"));
		}
		Deadlines.start(exchange, carried);
		return chain.filter(exchange)
			.timeout(carried, Mono.error(() -> Deadlines.exceeded(this.service, "No complete response from "
					+ this.service + " within the " + carried.toMillis() + " ms the request's deadline left")));
	}

}
