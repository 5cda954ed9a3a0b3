package io.trellis.gateway.telemetry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.core.policy.ServiceNames;

/**
 * Keeps tag values bounded: the first {@code max} distinct valid service names pass as they are,
 * later ones become {@value #OTHER}, and anything that is not a service name (a caller can send
 * any {@code x-trellis-source}) becomes {@value #UNKNOWN}.
 */
final class BoundedNames {

	static final String OTHER = "other";

	static final String UNKNOWN = "unknown";

	private final Set<String> admitted = ConcurrentHashMap.newKeySet();

	private final int max;

	BoundedNames(int max) {
		this.max = max;
	}

	String admit(String name) {
		if (name == null) {
			return UNKNOWN;
		}
		if (this.admitted.contains(name)) {
			return name;
		}
		if (!ServiceNames.isValid(name)) {
			return UNKNOWN;
		}
		synchronized (this) {
			if (this.admitted.size() < this.max) {
				this.admitted.add(name);
				return name;
			}
		}
		return this.admitted.contains(name) ? name : OTHER;
	}

}
