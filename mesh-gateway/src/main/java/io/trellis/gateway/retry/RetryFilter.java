package io.trellis.gateway.retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

import io.trellis.core.policy.RetryPolicy;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.error.UpstreamFailures;
import io.trellis.gateway.metrics.MeshMetrics;
import io.trellis.gateway.route.MeshExchangeAttributes;
import io.trellis.gateway.route.ReplayableRequest;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_HEADER_NAMES;

/**
 * Tries a failed request again, on another endpoint when there is one, as the route's policy
 * says ({@link RetryPolicy}): after a connection failure (any method: nothing was sent), a
 * reset or a per-try timeout (idempotent methods, or every method on a route marked
 * {@code retryable}), or a listed status; with jittered exponential backoff; each retry taken
 * from the destination's {@link RetryBudget}. It sits inside the route's timeout, which so
 * covers every try, and before the load balancer, which so chooses again for each try.
 * <p>
 * A request body is kept to be sent again only when its length is declared and within the
 * policy's buffer limit; other requests with a body are retried only after a connection
 * failure, before any of the body was read.
 */
public class RetryFilter implements GatewayFilter {

	/** Methods retried without the route saying so. */
	static final Set<HttpMethod> IDEMPOTENT = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS,
			HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.TRACE);

	/** The response header that tells the caller how many retries the sidecar made. */
	public static final String RETRIES_HEADER = "x-trellis-retries";

	private final String service;

	private final RetryPolicy policy;

	private final boolean routeRetryable;

	private final RetryBudget budget;

	private final MeshMetrics metrics;

	private final String route;

	public RetryFilter(String service, RetryPolicy policy, boolean routeRetryable, RetryBudget budget) {
		this(service, policy, routeRetryable, budget, MeshMetrics.NONE);
	}

	public RetryFilter(String service, RetryPolicy policy, boolean routeRetryable, RetryBudget budget,
			MeshMetrics metrics) {
		this(service, null, policy, routeRetryable, budget, metrics);
	}

	/**
	 * @param service the destination service
	 * @param route the name of the route the filter belongs to, as the retry metrics tag it (null:
	 * {@code none})
	 * @param policy the destination's retry policy
	 * @param routeRetryable whether the route retries requests of every method
	 * @param budget the destination's retry budget
	 * @param metrics counts retries and refused retries
	 */
	public RetryFilter(String service, String route, RetryPolicy policy, boolean routeRetryable, RetryBudget budget,
			MeshMetrics metrics) {
		this.route = route;
		this.service = service;
		this.policy = policy;
		this.routeRetryable = routeRetryable;
		this.budget = budget;
		this.metrics = metrics;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		if (this.policy.attempts() == 0) {
			return chain.filter(exchange);
		}
		this.budget.deposit(this.policy);
		ServerHttpRequest request = exchange.getRequest();
		boolean idempotent = this.routeRetryable || IDEMPOTENT.contains(request.getMethod());
		exchange.getAttributes().put(MeshExchangeAttributes.TRIED_ENDPOINTS_ATTR, new ArrayList<String>(2));
		Attempts attempts = new Attempts(idempotent);
		if (!hasBody(request)) {
			attempts.bodyReplayable = true;
			return attempt(exchange, chain, attempts);
		}
		long length = request.getHeaders().getContentLength();
		if (!idempotent || length < 0 || length > this.policy.bufferLimitBytes()) {
			// The body streams through once: only a failure to connect, before any of it was
			// read, can be retried.
			attempts.bodyReplayable = false;
			return attempt(exchange, chain, attempts);
		}
		if (request instanceof ReplayableRequest) {
			// Already read (by the route's mirror): replayable as it is.
			attempts.bodyReplayable = true;
			return attempt(exchange, chain, attempts);
		}
		return ReplayableRequest.read(request, length).flatMap((bytes) -> {
			attempts.bodyReplayable = true;
			ServerWebExchange replayable = exchange.mutate().request(new ReplayableRequest(request, bytes)).build();
			return attempt(replayable, chain, attempts);
		});
	}

	private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, Attempts attempts) {
		Mono<Void> call = chain.filter(exchange);
		Duration perTry = this.policy.perTryTimeout();
		if (perTry != null) {
			call = call.timeout(perTry, Mono.error(() -> new PerTryTimeout(this.service, perTry)));
		}
		return call.then(Mono.fromCallable(() -> Outcome.of(exchange.getResponse().getStatusCode())))
			.onErrorResume((ex) -> Mono.just(Outcome.failed(ex)))
			.flatMap((outcome) -> decide(exchange, chain, attempts, outcome));
	}

	private Mono<Void> decide(ServerWebExchange exchange, GatewayFilterChain chain, Attempts attempts,
			Outcome outcome) {
		boolean retryable;
		if (outcome.failure() != null) {
			Throwable failure = outcome.failure();
			if (exchange.getResponse().isCommitted()) {
				return Mono.error(failure);
			}
			if (UpstreamFailures.isConnectFailure(failure)) {
				retryable = this.policy.on().contains(RetryPolicy.Condition.CONNECT_FAILURE);
			}
			else if (failure instanceof PerTryTimeout) {
				retryable = attempts.idempotent && attempts.bodyReplayable;
			}
			else if (UpstreamFailures.isReset(failure)) {
				retryable = this.policy.on().contains(RetryPolicy.Condition.RESET) && attempts.idempotent
						&& attempts.bodyReplayable;
			}
			else {
				retryable = false;
			}
		}
		else {
			retryable = outcome.status() != null && this.policy.retriesStatus(outcome.status().value())
					&& attempts.idempotent && attempts.bodyReplayable && !exchange.getResponse().isCommitted();
		}
		if (!retryable || attempts.retries >= this.policy.attempts()) {
			return finish(exchange, attempts, outcome);
		}
		if (!this.budget.tryWithdraw(this.policy)) {
			this.metrics.retryBudgetExhausted(this.service, this.route);
			if (outcome.failure() != null) {
				return Mono.error(new MeshException(MeshError.RETRY_BUDGET_EXHAUSTED, this.service,
						"A call to " + this.service + " failed (" + describe(outcome.failure()) + ") and its retry "
								+ "budget is spent: too many of its calls are failing"));
			}
			exchange.getResponse().getHeaders().set(MeshError.HEADER, MeshError.RETRY_BUDGET_EXHAUSTED.reason());
			return finish(exchange, attempts, outcome);
		}
		attempts.retries++;
		this.metrics.retry(this.service, this.route);
		discardResponse(exchange);
		return Mono.delay(backoff(attempts.retries)).then(Mono.defer(() -> attempt(exchange, chain, attempts)));
	}

	private Mono<Void> finish(ServerWebExchange exchange, Attempts attempts, Outcome outcome) {
		if (attempts.retries > 0 && !exchange.getResponse().isCommitted()) {
			exchange.getResponse().getHeaders().set(RETRIES_HEADER, String.valueOf(attempts.retries));
		}
		if (outcome.failure() instanceof PerTryTimeout timeout) {
			return Mono.error(new MeshException(MeshError.UPSTREAM_TIMEOUT, this.service, timeout.getMessage()));
		}
		return (outcome.failure() != null) ? Mono.error(outcome.failure()) : Mono.empty();
	}

	/** Full jitter: a random wait up to base × 2^(retry − 1), capped at the maximum. */
	Duration backoff(int retry) {
		long base = this.policy.backoffBase().toNanos();
		long cap = this.policy.backoffMax().toNanos();
		long ceiling = (retry >= 62) ? cap : Math.min(cap, base << Math.min(30, retry - 1));
		return Duration.ofNanos(ThreadLocalRandom.current().nextLong(Math.max(1, ceiling) + 1));
	}

	/** Lets go of a response that will not be used, so the next try starts clean. */
	private static void discardResponse(ServerWebExchange exchange) {
		Connection connection = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
		if (connection != null) {
			connection.dispose();
		}
		exchange.getAttributes().remove(CLIENT_RESPONSE_CONN_ATTR);
		exchange.getAttributes().remove(CLIENT_RESPONSE_ATTR);
		Set<String> added = exchange.getAttributeOrDefault(CLIENT_RESPONSE_HEADER_NAMES, Collections.emptySet());
		HttpHeaders headers = exchange.getResponse().getHeaders();
		added.forEach(headers::remove);
		exchange.getAttributes().remove(CLIENT_RESPONSE_HEADER_NAMES);
		ServerWebExchangeUtils.removeAlreadyRouted(exchange);
	}

	private static boolean hasBody(ServerHttpRequest request) {
		return ReplayableRequest.hasBody(request);
	}

	private static String describe(Throwable failure) {
		return (failure.getMessage() != null) ? failure.getMessage() : failure.getClass().getSimpleName();
	}

	private static final class Attempts {

		final boolean idempotent;

		boolean bodyReplayable;

		int retries;

		Attempts(boolean idempotent) {
			this.idempotent = idempotent;
		}

	}

	private record Outcome(HttpStatusCode status, Throwable failure) {

		static Outcome of(HttpStatusCode status) {
			return new Outcome(status, null);
		}

		static Outcome failed(Throwable failure) {
			return new Outcome(null, failure);
		}

	}

	/** One try took longer than the policy's per-try timeout. */
	static final class PerTryTimeout extends TimeoutException {

		PerTryTimeout(String service, Duration timeout) {
			super("No response from " + service + " within the per-try timeout of " + timeout);
		}

	}

}
