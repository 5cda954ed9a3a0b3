package io.trellis.gateway.route;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compiled routes of every destination service this sidecar has applied policy for,
 * found by service name: a hash lookup however many services there are.
 */
public class MeshRouteTable {

	private final Map<String, CompiledService> services = new ConcurrentHashMap<>();

	/** The routes of a service, or null when none were applied yet. */
	public CompiledService get(String service) {
		return this.services.get(service);
	}

	/** Makes {@code compiled} the routes of its service, atomically replacing the previous ones. */
	public void put(CompiledService compiled) {
		this.services.put(compiled.service(), compiled);
	}

	/** Every service's routes, by name. */
	public Map<String, CompiledService> all() {
		return new TreeMap<>(this.services);
	}

}
