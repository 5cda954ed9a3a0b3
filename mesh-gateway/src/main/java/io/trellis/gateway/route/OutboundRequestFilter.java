package io.trellis.gateway.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sends an outbound call on with {@code Host} naming the destination service, whatever the app
 * addressed: usually the app sent exactly that and nothing needs changing; a call addressed to
 * the sidecar itself (with {@code x-trellis-destination}) gets its {@code Host} rewritten. The
 * caller's identity headers are added by {@link MeshHeadersFilter}.
 */
public class OutboundRequestFilter implements GatewayFilter {

	private final String destination;

	public OutboundRequestFilter(String destination) {
		this.destination = destination;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		exchange.getAttributes().put(ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE, true);
		String host = NettyHeaders.first(exchange.getRequest().getHeaders(), HttpHeaderNames.HOST);
		if (host != null && host.equalsIgnoreCase(this.destination)) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange.mutate()
			.request(exchange.getRequest().mutate().headers((headers) -> headers.set(HttpHeaders.HOST, this.destination)).build())
			.build());
	}

}
