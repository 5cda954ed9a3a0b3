package io.trellis.core.watch;

import java.util.Map;

/**
 * The answer to a {@link WatchRequest}: the current state of every service asked about.
 *
 * @param services per service, its current state
 */
public record WatchResponse(Map<String, ServiceState> services) {

	public WatchResponse {
		services = (services != null) ? Map.copyOf(services) : Map.of();
	}

}
