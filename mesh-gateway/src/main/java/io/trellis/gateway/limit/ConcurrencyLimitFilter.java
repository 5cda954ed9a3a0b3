package io.trellis.gateway.limit;

import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.metrics.MeshMetrics;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * Holds each outbound call to a destination to its concurrency limit: the call goes on with a
 * slot, waits in the queue for one (inside the route's timeout), or is answered at once with
 * {@code 503} and {@code x-trellis-error: overloaded}. The slot is held for the whole call,
 * retries included, and its latency feeds the adaptive limit.
 */
public class ConcurrencyLimitFilter implements GatewayFilter {

	private final ConcurrencyLimiter limiter;

	private final MeshMetrics metrics;

	public ConcurrencyLimitFilter(ConcurrencyLimiter limiter, MeshMetrics metrics) {
		this.limiter = limiter;
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		// Acquired on subscription, so that a slot is never taken for a call that does not run.
		return Mono.defer(() -> {
			ConcurrencyLimiter.Permit permit = this.limiter.tryAcquireNow();
			if (permit != null) {
				return run(permit, exchange, chain);
			}
			return this.limiter.acquire().switchIfEmpty(Mono.defer(this::overloaded)).flatMap((queued) -> {
				this.metrics.concurrencyLimited(this.limiter.service(), false);
				return run(queued, exchange, chain);
			});
		});
	}

	private Mono<ConcurrencyLimiter.Permit> overloaded() {
		this.metrics.concurrencyLimited(this.limiter.service(), true);
		String service = this.limiter.service();
		return Mono.error(new MeshException(MeshError.OVERLOADED, service,
				"This sidecar already has " + this.limiter.currentLimit() + " calls to " + service + " in flight"
						+ ((this.limiter.settings().maxPending() > 0)
								? " and " + this.limiter.settings().maxPending() + " waiting" : "")
						+ " (mesh.policy.concurrency-limit); the service was not called"));
	}

	private Mono<Void> run(ConcurrencyLimiter.Permit permit, ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(exchange).doFinally((signal) -> {
			if (signal == SignalType.ON_COMPLETE) {
				permit.completed();
			}
			else {
				permit.failed();
			}
		});
	}

}
