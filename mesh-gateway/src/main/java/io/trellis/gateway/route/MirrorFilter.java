package io.trellis.gateway.route;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.trellis.core.policy.Mirror;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Copies a share of a route's requests to its {@link Mirror} through {@link Mirrors}, then
 * sends the request on as if nothing happened. A body is read into memory first (it is sent
 * twice); one too large or streamed is not copied. Runs after the route's rewrites and fault
 * injection, so the copy is the request as the service gets it, and an aborted request is not
 * copied.
 */
public class MirrorFilter implements GatewayFilter {

	private final String service;

	private final Mirror mirror;

	private final Duration timeout;

	private final Mirrors mirrors;

	public MirrorFilter(String service, Mirror mirror, Duration timeout, Mirrors mirrors) {
		this.service = service;
		this.mirror = mirror;
		this.timeout = timeout;
		this.mirrors = mirrors;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		double percentage = this.mirror.percentage();
		if (percentage <= 0 || (percentage < 100 && ThreadLocalRandom.current().nextDouble() * 100 >= percentage)) {
			return chain.filter(exchange);
		}
		ServerHttpRequest request = exchange.getRequest();
		if (!ReplayableRequest.hasBody(request)) {
			this.mirrors.send(this.mirror, this.service, request, null, this.timeout, exchange);
			return chain.filter(exchange);
		}
		long length = request.getHeaders().getContentLength();
		if (!Mirrors.copiable(length)) {
			this.mirrors.skipped(this.mirror);
			return chain.filter(exchange);
		}
		return ReplayableRequest.read(request, length).flatMap((bytes) -> {
			ReplayableRequest replayable = new ReplayableRequest(request, bytes);
			this.mirrors.send(this.mirror, this.service, replayable, bytes, this.timeout, exchange);
			return chain.filter(exchange.mutate().request(replayable).build());
		});
	}

}
