package io.trellis.gateway.route;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.trellis.core.policy.FaultInjection;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.metrics.MeshMetrics;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;

/**
 * Injects a route's faults ({@link FaultInjection}) into the requests it may fault: a share
 * waits before it goes on, a share is answered at once with the abort status and
 * {@code x-trellis-error: fault-injected}, never reaching the service. Runs inside the route's
 * timeout (a delay counts against it) and outside the retries and the circuit breaker (an
 * injected abort is neither retried nor counted as the service's failure), as Envoy's fault
 * filter before its router.
 */
public class FaultFilter implements GatewayFilter {

	private final String service;

	private final FaultInjection fault;

	private final MeshMetrics metrics;

	public FaultFilter(String service, FaultInjection fault, MeshMetrics metrics) {
		this.service = service;
		this.fault = fault;
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (!this.fault.applies(exchange.getRequest().getHeaders()::getFirst)) {
			return chain.filter(exchange);
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		boolean abort = this.fault.abortStatus() > 0 && hit(random, this.fault.abortPercent());
		boolean delay = this.fault.delay() != null && hit(random, this.fault.delayPercent());
		if (!abort && !delay) {
			return chain.filter(exchange);
		}
		Mono<Void> next = abort ? Mono.defer(() -> {
			this.metrics.fault(this.service, "abort");
			return Mono.error(new MeshException(MeshError.FAULT_INJECTED, this.service, "Fault injected by the policy of "
					+ this.service + ": aborted with " + this.fault.abortStatus() + "; the service was not called",
					this.fault.abortStatus()));
		}) : chain.filter(exchange);
		if (!delay) {
			return next;
		}
		Duration wait = this.fault.delay();
		this.metrics.fault(this.service, "delay");
		return Mono.delay(wait).then(next);
	}

	private static boolean hit(ThreadLocalRandom random, double percent) {
		return percent >= 100 || (percent > 0 && random.nextDouble() * 100 < percent);
	}

}
