package io.trellis.gateway.discovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.ServiceEndpoints;

import org.springframework.cloud.client.ServiceInstance;

/**
 * The endpoints this sidecar knows, per service, as immutable snapshots replaced whole when
 * the control plane reports a new version: the request path reads one reference.
 */
public class EndpointRegistry {

	private final Map<String, Snapshot> services = new ConcurrentHashMap<>();

	/** Replaces a service's endpoints when {@code endpoints} is newer than what is held. */
	public boolean update(ServiceEndpoints endpoints) {
		Snapshot next = Snapshot.of(endpoints);
		Snapshot previous = this.services.get(endpoints.service());
		if (previous != null && previous.version() == endpoints.version()) {
			return false;
		}
		this.services.put(endpoints.service(), next);
		return true;
	}

	/** The service's endpoints, or null when this sidecar has never been told of them. */
	public Snapshot get(String service) {
		return this.services.get(service);
	}

	/** Every service's endpoints, by name. */
	public Map<String, Snapshot> all() {
		return new TreeMap<>(this.services);
	}

	/**
	 * One version of a service's endpoints.
	 * @param service the service
	 * @param version the control plane's version of the endpoint set
	 * @param endpoints the endpoints as the control plane sent them
	 * @param instances the same endpoints as Spring Cloud service instances
	 */
	public record Snapshot(String service, long version, List<Endpoint> endpoints, List<ServiceInstance> instances) {

		static Snapshot of(ServiceEndpoints endpoints) {
			List<ServiceInstance> instances = new ArrayList<>(endpoints.endpoints().size());
			for (Endpoint endpoint : endpoints.endpoints()) {
				instances.add(new MeshServiceInstance(endpoint.instance(), endpoints.service(), endpoint.host(),
						endpoint.port(), false, endpoint.labels()));
			}
			return new Snapshot(endpoints.service(), endpoints.version(), endpoints.endpoints(), List.copyOf(instances));
		}

	}

}
