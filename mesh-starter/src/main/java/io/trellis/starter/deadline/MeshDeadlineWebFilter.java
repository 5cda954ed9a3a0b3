package io.trellis.starter.deadline;

import io.trellis.core.http.MeshHeaders;
import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Keeps the deadline of each request a reactive application handles ({@link MeshDeadline})
 * in the request's Reactor context, where the application's {@code WebClient} calls find it.
 */
public class MeshDeadlineWebFilter implements WebFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		Long deadline = MeshDeadline.fromHeader(exchange.getRequest().getHeaders().getFirst(MeshHeaders.TIMEOUT));
		if (deadline == null) {
			return chain.filter(exchange);
		}
		return chain.filter(exchange).contextWrite((context) -> context.put(MeshDeadline.CONTEXT_KEY, deadline));
	}

}
