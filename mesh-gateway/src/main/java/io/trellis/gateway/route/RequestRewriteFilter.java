package io.trellis.gateway.route;

import java.util.Map;

import io.trellis.core.policy.HeaderRewrite;
import io.trellis.core.policy.PathRewrite;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * A route's changes to its requests and their responses: request headers set, added and
 * removed and the path rewritten (the query kept) before the request is sent on; response
 * headers set, added and removed before the response goes back to the caller (mesh-made
 * answers included).
 */
public class RequestRewriteFilter implements GatewayFilter {

	private final HeaderRewrite requestHeaders;

	private final HeaderRewrite responseHeaders;

	private final PathRewrite rewrite;

	public RequestRewriteFilter(HeaderRewrite requestHeaders, HeaderRewrite responseHeaders, PathRewrite rewrite) {
		this.requestHeaders = requestHeaders;
		this.responseHeaders = responseHeaders;
		this.rewrite = rewrite;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (this.responseHeaders.active()) {
			exchange.getResponse().beforeCommit(() -> {
				apply(this.responseHeaders, exchange.getResponse().getHeaders());
				return Mono.empty();
			});
		}
		if (!this.requestHeaders.active() && this.rewrite == null) {
			return chain.filter(exchange);
		}
		ServerHttpRequest.Builder request = exchange.getRequest().mutate();
		if (this.requestHeaders.active()) {
			request.headers((headers) -> apply(this.requestHeaders, headers));
		}
		if (this.rewrite != null) {
			request.path(this.rewrite.apply(exchange.getRequest().getURI().getRawPath()));
		}
		return chain.filter(exchange.mutate().request(request.build()).build());
	}

	static void apply(HeaderRewrite rewrite, HttpHeaders headers) {
		for (Map.Entry<String, String> set : rewrite.set().entrySet()) {
			headers.set(set.getKey(), set.getValue());
		}
		for (Map.Entry<String, String> add : rewrite.add().entrySet()) {
			headers.add(add.getKey(), add.getValue());
		}
		for (String name : rewrite.remove()) {
			headers.remove(name);
		}
	}

}
