package io.trellis.gateway.controlplane;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.trellis.core.policy.PolicySource;

/**
 * A service's policy as Config Server's Environment API returns it: the version and the
 * property sources, highest precedence first. Fields the sidecar does not use are ignored.
 *
 * @param name the service
 * @param version the policy version
 * @param propertySources the files' properties, highest precedence first
 */
public record PolicyDocument(String name, String version, List<Source> propertySources) {

	public PolicyDocument {
		propertySources = (propertySources != null) ? List.copyOf(propertySources) : List.of();
	}

	/**
	 * The property sources as policy sources named by their file. Keys and text values are
	 * interned: the sidecar keeps every followed service's sources (for its state file), and
	 * their keys ({@code mesh.policy.routes[12].match.path.prefix}) are mostly the same from
	 * one service to the next.
	 */
	public List<PolicySource> toSources() {
		List<PolicySource> sources = new ArrayList<>(this.propertySources.size());
		for (Source source : this.propertySources) {
			Map<String, Object> properties = new LinkedHashMap<>();
			if (source.source() != null) {
				source.source().forEach((key, value) -> properties.put(key.intern(),
						(value instanceof String text) ? text.intern() : value));
			}
			sources.add(new PolicySource(fileName(source.name()), properties));
		}
		return sources;
	}

	static String fileName(String sourceName) {
		String name = (sourceName != null) ? sourceName.replace('\\', '/') : "(unnamed)";
		int document = name.indexOf(" (document #");
		if (document > 0) {
			name = name.substring(0, document);
		}
		return name.substring(name.lastIndexOf('/') + 1);
	}

	/**
	 * @param name where the properties came from
	 * @param source the properties
	 */
	public record Source(String name, Map<String, Object> source) {
	}

}
