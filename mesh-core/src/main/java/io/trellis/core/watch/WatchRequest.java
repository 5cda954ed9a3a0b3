package io.trellis.core.watch;

import java.util.Map;

/**
 * A sidecar's long-poll: the versions it holds of the services it cares about. The control
 * plane answers as soon as any of them differs from what it has, or after {@code waitMillis}.
 *
 * @param sidecar the asking sidecar's id
 * @param services per service, the versions the sidecar holds
 * @param waitMillis how long to hold the request when nothing changed
 */
public record WatchRequest(String sidecar, Map<String, Known> services, long waitMillis) {

	public WatchRequest {
		services = (services != null) ? Map.copyOf(services) : Map.of();
	}

	/**
	 * Versions held by a sidecar.
	 * @param policy the policy version, or {@code null} when it has none
	 * @param endpoints the endpoint set version, or -1 when it has none
	 */
	public record Known(String policy, long endpoints) {
	}

}
