package io.trellis.core.registry;

import java.util.Map;
import java.util.Objects;

/**
 * One instance of a service as the mesh reaches it: the address of its sidecar's inbound
 * listener and its labels.
 *
 * @param instance the instance's id, unique within its service
 * @param host address of the instance's sidecar inbound listener
 * @param port port of the instance's sidecar inbound listener
 * @param labels labels such as {@code version} and {@code zone}, matched by subsets
 */
public record Endpoint(String instance, String host, int port, Map<String, String> labels) {

	public Endpoint {
		Objects.requireNonNull(instance, "instance");
		Objects.requireNonNull(host, "host");
		if (instance.isBlank()) {
			throw new IllegalArgumentException("instance must not be blank");
		}
		if (host.isBlank()) {
			throw new IllegalArgumentException("host must not be blank");
		}
		if (port < 1 || port > 65535) {
			throw new IllegalArgumentException("port must be between 1 and 65535, was " + port);
		}
		labels = (labels != null) ? Map.copyOf(labels) : Map.of();
	}

}
