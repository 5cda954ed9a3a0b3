package io.trellis.gateway.limit;

import io.trellis.core.http.MeshHeaders;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.metrics.MeshMetrics;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * Applies the local service's inbound rate limit to each request arriving on the inbound
 * listener, before the application is called: a refused request is answered {@code 429} with
 * {@code Retry-After} (whole seconds until a token is back) and
 * {@code x-trellis-error: rate-limited}. The limiter follows the local service's policy as it
 * is applied.
 */
public class InboundRateLimitFilter implements GatewayFilter {

	private final String service;

	private final InboundRateLimiter limiter;

	private final MeshMetrics metrics;

	/**
	 * @param service the local service
	 * @param limiter the instance's buckets, following the local service's policy
	 * @param metrics counts refused requests
	 */
	public InboundRateLimitFilter(String service, InboundRateLimiter limiter, MeshMetrics metrics) {
		this.service = service;
		this.limiter = limiter;
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		String caller = exchange.getRequest().getHeaders().getFirst(MeshHeaders.SOURCE);
		InboundRateLimiter.Rejection rejection = this.limiter.tryAcquire(caller);
		if (rejection == null) {
			return chain.filter(exchange);
		}
		this.metrics.rateLimited(this.service);
		long retryAfter = rejection.retryAfterSeconds();
		exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
		String scope = rejection.limit().perCaller()
				? "requests from " + ((caller != null && !caller.isBlank()) ? caller : "callers outside the mesh")
				: "requests";
		return Mono.error(new MeshException(MeshError.RATE_LIMITED, this.service,
				"This instance of " + this.service + " accepts " + format(rejection.limit().requestsPerSecond())
						+ " " + scope + " per second (burst " + rejection.limit().burst() + "); retry after "
						+ retryAfter + " s"));
	}

	private static String format(double rate) {
		return (rate == Math.rint(rate)) ? Long.toString((long) rate) : Double.toString(rate);
	}

}
