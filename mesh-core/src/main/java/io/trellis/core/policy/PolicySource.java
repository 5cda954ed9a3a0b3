package io.trellis.core.policy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One file's worth of flattened policy properties ({@code mesh.policy.timeout=2s}), with the
 * position of each key in its file when known, as the control plane and the sidecar receive it.
 *
 * @param name short name of the file the properties came from, for example {@code orders.yml}
 * @param properties flattened keys in the file's order, values as parsed (strings, numbers, booleans)
 * @param positions for each key its {@code line:column} in the file, where known
 */
public record PolicySource(String name, Map<String, Object> properties, Map<String, String> positions) {

	public PolicySource {
		Objects.requireNonNull(name, "name");
		properties = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(properties, "properties")));
		positions = (positions != null) ? Map.copyOf(positions) : Map.of();
	}

	public PolicySource(String name, Map<String, Object> properties) {
		this(name, properties, Map.of());
	}

	/** The position of {@code key} in this source, or {@code null} when unknown. */
	public String positionOf(String key) {
		return this.positions.get(key);
	}

}
