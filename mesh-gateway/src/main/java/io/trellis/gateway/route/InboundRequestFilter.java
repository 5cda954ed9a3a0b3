package io.trellis.gateway.route;

import io.trellis.core.http.MeshHeaders;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Hands an inbound call to the local app with its {@code Host} (the service name the caller
 * used) and the caller's {@link MeshHeaders#SOURCE} as the caller's sidecar set them.
 */
public class InboundRequestFilter implements GatewayFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		exchange.getAttributes().put(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE, true);
		if (exchange.getRequest().getHeaders().containsHeader(MeshHeaders.DESTINATION)) {
			return chain.filter(exchange.mutate()
				.request(exchange.getRequest().mutate().headers((headers) -> headers.remove(MeshHeaders.DESTINATION)).build())
				.build());
		}
		return chain.filter(exchange);
	}

}
