package io.trellis.gateway.breaker;

import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.trellis.core.policy.CircuitBreaking;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ServerWebExchange;

/**
 * Calls a destination only while its circuit breaker lets it ({@link CircuitBreakers}): an
 * open breaker answers at once with {@link MeshError#CIRCUIT_OPEN}. Every call that goes
 * through is recorded once, after its retries: a 5xx answer or no answer is a failure, and
 * the whole call's duration counts toward the slow-call rate. A call the caller gave up on
 * counts as a failure only when it had already been slow.
 */
public class CircuitBreakerFilter implements GatewayFilter {

	private final String service;

	private final CircuitBreaking settings;

	private final CircuitBreakers breakers;

	public CircuitBreakerFilter(String service, CircuitBreaking settings, CircuitBreakers breakers) {
		this.service = service;
		this.settings = settings;
		this.breakers = breakers;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		CircuitBreaker breaker = this.breakers.get(this.service, this.settings);
		if (!breaker.tryAcquirePermission()) {
			return Mono.error(new MeshException(MeshError.CIRCUIT_OPEN, this.service,
					"The circuit breaker of " + this.service + " is open: too many of its recent calls failed or were "
							+ "slow (failure rate " + Math.round(breaker.getMetrics().getFailureRate()) + "%, slow "
							+ Math.round(breaker.getMetrics().getSlowCallRate()) + "%); it is tried again after "
							+ this.settings.waitInOpen()));
		}
		long started = System.nanoTime();
		return chain.filter(exchange).doOnSuccess((done) -> {
			long elapsed = System.nanoTime() - started;
			HttpStatusCode status = exchange.getResponse().getStatusCode();
			if (status != null && status.is5xxServerError()) {
				breaker.onError(elapsed, TimeUnit.NANOSECONDS, new UpstreamError(status.value()));
			}
			else {
				breaker.onSuccess(elapsed, TimeUnit.NANOSECONDS);
			}
		}).doOnError((failure) -> {
			if (failure instanceof MeshException mesh && mesh.getError() == MeshError.CIRCUIT_OPEN) {
				breaker.releasePermission();
				return;
			}
			breaker.onError(System.nanoTime() - started, TimeUnit.NANOSECONDS, failure);
		}).doOnCancel(() -> {
			long elapsed = System.nanoTime() - started;
			if (elapsed >= this.settings.slowCallDuration().toNanos()) {
				breaker.onError(elapsed, TimeUnit.NANOSECONDS, new UpstreamError(0));
			}
			else {
				breaker.releasePermission();
			}
		});
	}

	/** A 5xx answer, recorded as the breaker's failure. */
	static final class UpstreamError extends RuntimeException {

		UpstreamError(int status) {
			super((status > 0) ? "answered " + status : "given up", null, false, false);
		}

	}

}
