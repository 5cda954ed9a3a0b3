package io.trellis.gateway.breaker;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.core.policy.CircuitBreaking;

/**
 * The Resilience4j circuit breaker of every destination service whose policy has one. A
 * breaker keeps its state across policy versions whose breaker settings are the same; new
 * settings start a new breaker, closed.
 */
public class CircuitBreakers {

	private final Map<String, Entry> breakers = new ConcurrentHashMap<>();

	private final MeterRegistry meters;

	private final Set<String> metered = ConcurrentHashMap.newKeySet();

	/** Breakers without metrics. */
	public CircuitBreakers() {
		this(null);
	}

	/**
	 * @param meters where each breaker's state ({@code trellis.circuit.breaker.state}: 0
	 * closed, 1 open, 2 half open, -1 none) and refused calls
	 * ({@code trellis.circuit.breaker.not.permitted}) are published, by destination; may be null
	 */
	public CircuitBreakers(MeterRegistry meters) {
		this.meters = meters;
	}

	/** The breaker of {@code service} for {@code settings}, created or replaced as needed. */
	public CircuitBreaker get(String service, CircuitBreaking settings) {
		Entry entry = this.breakers.get(service);
		if (entry != null && entry.settings().equals(settings)) {
			return entry.breaker();
		}
		CircuitBreaker breaker = this.breakers
			.compute(service, (key, existing) -> (existing != null && existing.settings().equals(settings)) ? existing
					: new Entry(settings, CircuitBreaker.of("mesh-" + service, config(settings))))
			.breaker();
		if (this.meters != null && this.metered.add(service)) {
			Gauge.builder("trellis.circuit.breaker.state", this, (breakers) -> state(breakers.find(service)))
				.tag("destination", service)
				.description("State of the destination's circuit breaker: 0 closed, 1 open, 2 half open, -1 none")
				.register(this.meters);
			FunctionCounter
				.builder("trellis.circuit.breaker.not.permitted", this,
						(breakers) -> notPermitted(breakers.find(service)))
				.tag("destination", service)
				.description("Calls the destination's circuit breaker refused (since its settings last changed)")
				.register(this.meters);
		}
		return breaker;
	}

	/** A breaker's state as a number: 0 closed, 1 open, 2 half open, -1 none. */
	public static int state(CircuitBreaker breaker) {
		if (breaker == null) {
			return -1;
		}
		return switch (breaker.getState()) {
			case CLOSED -> 0;
			case OPEN, FORCED_OPEN -> 1;
			case HALF_OPEN -> 2;
			default -> -1;
		};
	}

	private static double notPermitted(CircuitBreaker breaker) {
		return (breaker != null) ? breaker.getMetrics().getNumberOfNotPermittedCalls() : 0;
	}

	/** Drops the breaker of a service whose policy no longer has one. */
	public void remove(String service) {
		this.breakers.remove(service);
	}

	/** The breaker of a service, or null. */
	public CircuitBreaker find(String service) {
		Entry entry = this.breakers.get(service);
		return (entry != null) ? entry.breaker() : null;
	}

	/** Every breaker, by service. */
	public Map<String, CircuitBreaker> all() {
		Map<String, CircuitBreaker> all = new TreeMap<>();
		this.breakers.forEach((service, entry) -> all.put(service, entry.breaker()));
		return all;
	}

	static CircuitBreakerConfig config(CircuitBreaking settings) {
		return CircuitBreakerConfig.custom()
			.failureRateThreshold(settings.failureRate())
			.slowCallRateThreshold(settings.slowCallRate())
			.slowCallDurationThreshold(settings.slowCallDuration())
			.minimumNumberOfCalls(settings.minimumCalls())
			.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
			.slidingWindowSize((int) Math.max(1, settings.window().toSeconds()))
			.waitDurationInOpenState(settings.waitInOpen())
			.permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
			.automaticTransitionFromOpenToHalfOpenEnabled(false)
			.writableStackTraceEnabled(false)
			.build();
	}

	private record Entry(CircuitBreaking settings, CircuitBreaker breaker) {
	}

}
