package io.trellis.core.policy;

import java.time.Duration;

/**
 * When a caller's sidecar stops calling a service that is failing
 * ({@code mesh.policy.circuit-breaker}), with Resilience4j's circuit breaker: over a sliding
 * window of time, once at least {@code minimumCalls} calls were made and the share that failed
 * (5xx, no response) or were slow reaches its threshold, the breaker opens and calls fail at
 * once for {@code waitInOpen}; then {@code halfOpenCalls} probe calls decide whether it closes
 * again or stays open.
 *
 * @param enabled whether the service has a breaker
 * @param failureRate percentage of failed calls that opens the breaker (1 to 100)
 * @param slowCallRate percentage of slow calls that opens the breaker (1 to 100)
 * @param slowCallDuration a call taking at least this long is slow
 * @param minimumCalls calls in the window before the rates count
 * @param window the sliding window, in whole seconds
 * @param waitInOpen how long the breaker stays open before probing
 * @param halfOpenCalls probe calls let through when half open
 */
public record CircuitBreaking(boolean enabled, float failureRate, float slowCallRate, Duration slowCallDuration,
		int minimumCalls, Duration window, Duration waitInOpen, int halfOpenCalls) {

	/** No breaker, the default. */
	public static final CircuitBreaking DISABLED = new CircuitBreaking(false, 50, 100, Duration.ofSeconds(5), 20,
			Duration.ofSeconds(10), Duration.ofSeconds(5), 3);

	/** The settings a breaker gets for what policy leaves out. */
	public static final CircuitBreaking DEFAULTS = new CircuitBreaking(true, 50, 100, Duration.ofSeconds(5), 20,
			Duration.ofSeconds(10), Duration.ofSeconds(5), 3);

}
