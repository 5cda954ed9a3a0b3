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
 * (Envoy's route timeout has the same span). When it fires before the response started, the
 * caller gets a {@link MeshError#UPSTREAM_TIMEOUT} answer; after, the response is cut off.
 */
public class TimeoutFilter implements GatewayFilter {

	private final String service;

	private final Duration timeout;

	public TimeoutFilter(String service, Duration timeout) {
		this.service = service;
		this.timeout = timeout;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(exchange)
			.timeout(this.timeout, Mono.error(() -> new MeshException(MeshError.UPSTREAM_TIMEOUT, this.service,
					"No complete response from " + this.service + " within the policy timeout of " + this.timeout)));
	}

}
