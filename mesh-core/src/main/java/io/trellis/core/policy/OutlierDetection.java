package io.trellis.core.policy;

import java.time.Duration;

/**
 * When a caller's sidecar stops sending to one endpoint of a service that keeps failing
 * ({@code mesh.policy.outlier-detection}), as Envoy's outlier detection and Linkerd's failure
 * accrual: after {@code consecutiveFailures} failures in a row (5xx answers or no answer) the
 * endpoint is ejected for {@code baseEjectionTime} times the number of times it has been
 * ejected, at most {@code maxEjectionTime}; never more than {@code maxEjectedPercent} of the
 * service's endpoints at once (but always one may be). When its time is up it gets a single
 * probe request: success brings it back, failure ejects it again, for longer.
 *
 * @param enabled whether endpoints are ejected
 * @param consecutiveFailures failures in a row that eject an endpoint
 * @param baseEjectionTime the first ejection's length
 * @param maxEjectionTime the longest an ejection lasts
 * @param maxEjectedPercent most endpoints ejected at once, as a percentage (at least one)
 */
public record OutlierDetection(boolean enabled, int consecutiveFailures, Duration baseEjectionTime,
		Duration maxEjectionTime, int maxEjectedPercent) {

	/** The defaults: on, 5 failures in a row, 30 s growing to 300 s, at most 50% ejected. */
	public static final OutlierDetection DEFAULT = new OutlierDetection(true, 5, Duration.ofSeconds(30),
			Duration.ofSeconds(300), 50);

	/** The ejection time for an endpoint ejected {@code times} times (this one included). */
	public Duration ejectionTime(int times) {
		Duration time = this.baseEjectionTime.multipliedBy(Math.max(1, Math.min(times, 10_000)));
		return (time.compareTo(this.maxEjectionTime) > 0) ? this.maxEjectionTime : time;
	}

}
