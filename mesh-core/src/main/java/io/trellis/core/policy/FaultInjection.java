package io.trellis.core.policy;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Faults a route injects into its own requests, in the caller's sidecar, as Istio's fault
 * injection: a share of the requests waits {@code delay} before it is sent on, and a share is
 * answered at once with {@code abortStatus} without reaching the service. With
 * {@code headers}, only requests carrying those headers are faulted, so a tester can fault
 * their own requests in a shared environment.
 *
 * @param delay how long a delayed request waits, or null for no delay
 * @param delayPercent share of the requests delayed, 0 to 100
 * @param abortStatus the status an aborted request is answered with, or 0 for no abort
 * @param abortPercent share of the requests aborted, 0 to 100
 * @param headers header (lower case) to how it must look for a request to be faulted; empty
 * for every request of the route
 */
public record FaultInjection(Duration delay, double delayPercent, int abortStatus, double abortPercent,
		Map<String, StringMatch> headers) {

	/** No fault. */
	public static final FaultInjection NONE = new FaultInjection(null, 0, 0, 0, Map.of());

	public FaultInjection {
		headers = (headers != null) ? Collections.unmodifiableMap(new LinkedHashMap<>(headers)) : Map.of();
	}

	/** Whether the route injects anything. */
	public boolean active() {
		return (this.delay != null && this.delayPercent > 0) || (this.abortStatus > 0 && this.abortPercent > 0);
	}

	/** Whether a request with these headers (first value by lower-case name) may be faulted. */
	public boolean applies(Function<String, String> firstHeaderValue) {
		for (Map.Entry<String, StringMatch> header : this.headers.entrySet()) {
			if (!header.getValue().matches(firstHeaderValue.apply(header.getKey()))) {
				return false;
			}
		}
		return true;
	}

}
