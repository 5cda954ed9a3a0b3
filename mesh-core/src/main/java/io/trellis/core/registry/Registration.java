package io.trellis.core.registry;

import java.util.Map;

/**
 * What a sidecar sends to register (and, sent again, to heartbeat) its local instance.
 *
 * @param host address other sidecars reach this instance's inbound listener on
 * @param port port of the inbound listener
 * @param labels the instance's labels
 */
public record Registration(String host, int port, Map<String, String> labels) {

	public Registration {
		labels = (labels != null) ? Map.copyOf(labels) : Map.of();
	}

}
