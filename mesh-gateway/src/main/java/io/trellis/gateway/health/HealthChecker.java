package io.trellis.gateway.health;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.trellis.core.policy.HealthCheck;
import io.trellis.gateway.loadbalancer.EndpointHealth;
import io.trellis.gateway.loadbalancer.ServiceBalancer;
import io.trellis.gateway.metrics.MeshMetrics;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Checks every endpoint of one destination service by the service's
 * {@link HealthCheck policy}: each round sends {@code GET path} to each endpoint (its sidecar's
 * inbound listener, so the answer is the application's), and rounds are an interval apart,
 * jittered by up to a tenth so the sidecars of a mesh do not check in step. What it finds goes
 * to the service's {@link ServiceBalancer}, which leaves the unhealthy endpoints out.
 * <p>
 * An endpoint starts healthy (it registered only once its own sidecar found it ready) and is
 * checked in the first round after it appears; the settings may change live, keeping what was
 * found.
 */
final class HealthChecker implements EndpointHealth, Disposable {

	private static final Log logger = LogFactory.getLog(HealthChecker.class);

	/** Most checks in flight at once for one service. */
	private static final int CONCURRENCY = 64;

	private final String service;

	private final ServiceBalancer balancer;

	private final HttpClient client;

	private final MeshMetrics metrics;

	private final Map<String, EndpointState> states = new ConcurrentHashMap<>();

	private volatile Set<String> unhealthy = Set.of();

	private volatile HealthCheck settings;

	private volatile Disposable loop;

	private volatile boolean disposed;

	HealthChecker(String service, HealthCheck settings, ServiceBalancer balancer, HttpClient client,
			MeshMetrics metrics) {
		this.service = service;
		this.settings = settings;
		this.balancer = balancer;
		this.client = client.headers((headers) -> headers.set(HttpHeaderNames.HOST, service)
			.set(HttpHeaderNames.USER_AGENT, "trellis-health-check"));
		this.metrics = metrics;
	}

	/** Starts checking, the first round at once. */
	HealthChecker start() {
		this.loop = Mono.defer(this::round)
			.then(Mono.defer(() -> Mono.delay(jittered(this.settings.interval()))))
			.repeat(() -> !this.disposed)
			.subscribe(null, (ex) -> logger.error("Health checks of " + this.service + " stopped", ex));
		return this;
	}

	/** Takes new settings: thresholds apply from the next answer, a new path or interval from a new round at once. */
	void update(HealthCheck next) {
		HealthCheck previous = this.settings;
		this.settings = next;
		if (!previous.path().equals(next.path()) || !previous.interval().equals(next.interval())) {
			Disposable running = this.loop;
			if (running != null) {
				running.dispose();
			}
			if (!this.disposed) {
				start();
			}
		}
	}

	HealthCheck settings() {
		return this.settings;
	}

	/** One round: every endpoint checked once; what is known of gone endpoints forgotten. */
	Mono<Void> round() {
		List<ServiceInstance> endpoints = this.balancer.endpoints();
		Set<String> keys = new HashSet<>();
		for (ServiceInstance endpoint : endpoints) {
			keys.add(ServiceBalancer.key(endpoint));
		}
		if (this.states.keySet().retainAll(keys)) {
			publish();
		}
		return Flux.fromIterable(endpoints).flatMap(this::check, CONCURRENCY).then();
	}

	private Mono<Void> check(ServiceInstance endpoint) {
		HealthCheck current = this.settings;
		String key = ServiceBalancer.key(endpoint);
		String url = "http://" + endpoint.getHost() + ":" + endpoint.getPort() + current.path();
		return this.client.get()
			.uri(url)
			.responseSingle((response, body) -> body.asString().then(Mono.just(response.status().code())))
			.timeout(current.timeout())
			.map((status) -> HealthCheck.passes(status) ? Result.PASSED : Result.failed("status " + status))
			.onErrorResume((ex) -> Mono.just(Result.failed(describe(ex, current.timeout()))))
			.doOnNext((result) -> record(key, result, current))
			.then();
	}

	private void record(String key, Result result, HealthCheck current) {
		if (this.disposed) {
			return;
		}
		this.metrics.healthCheck(this.service, result.passed());
		EndpointState state = this.states.computeIfAbsent(key, (k) -> new EndpointState());
		Boolean changedTo = state.record(result, current);
		if (changedTo != null) {
			publish();
			this.metrics.healthTransition(this.service, changedTo);
			if (changedTo) {
				logger.info("Endpoint " + key + " of " + this.service + " passed " + current.healthyThreshold()
						+ " health check(s) in a row: back in load balancing");
			}
			else {
				logger.warn("Endpoint " + key + " of " + this.service + " failed " + current.unhealthyThreshold()
						+ " health check(s) in a row (" + result.detail() + " on GET " + current.path()
						+ "): out of load balancing until it passes " + current.healthyThreshold());
			}
		}
	}

	private void publish() {
		Set<String> failing = new HashSet<>();
		this.states.forEach((key, state) -> {
			if (!state.healthy()) {
				failing.add(key);
			}
		});
		this.unhealthy = Set.copyOf(failing);
	}

	@Override
	public boolean isUnhealthy(String key) {
		return this.unhealthy.contains(key);
	}

	@Override
	public boolean anyUnhealthy() {
		return !this.unhealthy.isEmpty();
	}

	@Override
	public Map<String, Object> describe(String key) {
		EndpointState state = this.states.get(key);
		return (state != null) ? state.describe() : Map.of("healthy", true, "checks", 0);
	}

	@Override
	public void dispose() {
		this.disposed = true;
		Disposable running = this.loop;
		if (running != null) {
			running.dispose();
		}
	}

	@Override
	public boolean isDisposed() {
		return this.disposed;
	}

	private static Duration jittered(Duration interval) {
		long millis = interval.toMillis();
		return Duration.ofMillis(millis - ThreadLocalRandom.current().nextLong(millis / 10 + 1));
	}

	private static String describe(Throwable ex, Duration timeout) {
		if (ex instanceof TimeoutException) {
			return "no answer within " + timeout.toMillis() + " ms";
		}
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

	/** One check's outcome. */
	record Result(boolean passed, String detail) {

		static final Result PASSED = new Result(true, "passed");

		static Result failed(String detail) {
			return new Result(false, detail);
		}

	}

	/** The checks of one endpoint so far. */
	static final class EndpointState {

		private boolean healthy = true;

		private int passesInARow;

		private int failuresInARow;

		private long checks;

		private String last = "none";

		/** @return the new health when this result changed it, else null */
		synchronized Boolean record(Result result, HealthCheck settings) {
			this.checks++;
			this.last = result.detail();
			if (result.passed()) {
				this.passesInARow++;
				this.failuresInARow = 0;
				if (!this.healthy && this.passesInARow >= settings.healthyThreshold()) {
					this.healthy = true;
					return true;
				}
			}
			else {
				this.failuresInARow++;
				this.passesInARow = 0;
				if (this.healthy && this.failuresInARow >= settings.unhealthyThreshold()) {
					this.healthy = false;
					return false;
				}
			}
			return null;
		}

		synchronized boolean healthy() {
			return this.healthy;
		}

		synchronized Map<String, Object> describe() {
			Map<String, Object> state = new LinkedHashMap<>();
			state.put("healthy", this.healthy);
			state.put("checks", this.checks);
			state.put("passesInARow", this.passesInARow);
			state.put("failuresInARow", this.failuresInARow);
			state.put("lastResult", this.last);
			return state;
		}

	}

}
