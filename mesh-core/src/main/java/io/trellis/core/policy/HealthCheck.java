package io.trellis.core.policy;

import java.time.Duration;

/**
 * Active HTTP health checking of a service's endpoints by each caller's sidecar
 * ({@code mesh.policy.health-check}), as Envoy's HTTP health checker: every {@code interval}
 * the sidecar sends {@code GET path} to each endpoint it knows of the service (through that
 * endpoint's sidecar, to the application); an answer from 200 to 399 within {@code timeout}
 * passes, anything else fails. After {@code unhealthyThreshold} failures in a row the endpoint
 * is taken out of load balancing, and after {@code healthyThreshold} passes in a row it is put
 * back. Off unless the block is present; it works beside outlier detection, which judges
 * endpoints by the real requests.
 *
 * @param enabled whether endpoints are checked
 * @param path the path checked, starting with '/'
 * @param interval time between two checks of one endpoint
 * @param timeout how long one check waits for an answer
 * @param unhealthyThreshold failed checks in a row that take an endpoint out
 * @param healthyThreshold passed checks in a row that put it back
 */
public record HealthCheck(boolean enabled, String path, Duration interval, Duration timeout, int unhealthyThreshold,
		int healthyThreshold) {

	/** No active checks, the default. */
	public static final HealthCheck DISABLED = new HealthCheck(false, "/", Duration.ofSeconds(10),
			Duration.ofSeconds(1), 2, 2);

	/** What a check gets for what policy leaves out (the path has no default). */
	public static final HealthCheck DEFAULTS = new HealthCheck(true, "/", Duration.ofSeconds(10),
			Duration.ofSeconds(1), 2, 2);

	/** Whether {@code status} is a passing answer: 200 to 399, as Kubernetes' HTTP probes. */
	public static boolean passes(int status) {
		return status >= 200 && status < 400;
	}

}
