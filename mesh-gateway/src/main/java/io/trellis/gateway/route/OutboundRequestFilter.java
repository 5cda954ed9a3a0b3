package io.trellis.gateway.route;

import io.trellis.core.http.MeshHeaders;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * Prepares an outbound call for the destination's sidecar: {@code Host} names the destination
 * service (whatever the app addressed), and the caller's identity travels in
 * {@link MeshHeaders#SOURCE} and {@link MeshHeaders#SOURCE_INSTANCE}, overwriting anything the
 * app set in them.
 */
public class OutboundRequestFilter implements GatewayFilter {

	private final String destination;

	private final String source;

	private final String sourceInstance;

	public OutboundRequestFilter(String destination, String source, String sourceInstance) {
		this.destination = destination;
		this.source = source;
		this.sourceInstance = sourceInstance;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		ServerHttpRequest request = exchange.getRequest().mutate().headers(this::rewrite).build();
		exchange.getAttributes().put(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE, true);
		return chain.filter(exchange.mutate().request(request).build());
	}

	private void rewrite(HttpHeaders headers) {
		headers.remove(MeshHeaders.DESTINATION);
		// Sent by clients using the sidecar as their HTTP proxy; hop-by-hop, not for the destination.
		headers.remove("Proxy-Connection");
		headers.remove(HttpHeaders.PROXY_AUTHORIZATION);
		headers.set(HttpHeaders.HOST, this.destination);
		headers.set(MeshHeaders.SOURCE, this.source);
		headers.set(MeshHeaders.SOURCE_INSTANCE, this.sourceInstance);
	}

}
