package io.trellis.core.policy;

import java.util.Map;
import java.util.Objects;

/**
 * A named group of a service's endpoints: those whose labels include all of these labels.
 *
 * @param name the subset's name, a DNS label such as {@code v2}
 * @param labels labels an endpoint must carry, with these values, to belong to the subset
 */
public record Subset(String name, Map<String, String> labels) {

	public Subset {
		Objects.requireNonNull(name, "name");
		labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
		if (labels.isEmpty()) {
			throw new IllegalArgumentException("subset '" + name + "' must select at least one label");
		}
	}

	/** Whether an endpoint carrying {@code endpointLabels} belongs to this subset. */
	public boolean matches(Map<String, String> endpointLabels) {
		for (Map.Entry<String, String> label : this.labels.entrySet()) {
			if (!label.getValue().equals(endpointLabels.get(label.getKey()))) {
				return false;
			}
		}
		return true;
	}

}
