package io.trellis.gateway.discovery;

import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;

/**
 * Spring Cloud's view of the endpoints the sidecar learned from the control plane, so any
 * discovery-based component sees the same instances the mesh routes to.
 */
public class MeshDiscoveryClient implements ReactiveDiscoveryClient {

	private final EndpointRegistry registry;

	public MeshDiscoveryClient(EndpointRegistry registry) {
		this.registry = registry;
	}

	@Override
	public String description() {
		return "Trellis mesh discovery client";
	}

	@Override
	public Flux<ServiceInstance> getInstances(String serviceId) {
		EndpointRegistry.Snapshot snapshot = this.registry.get(serviceId);
		return (snapshot != null) ? Flux.fromIterable(snapshot.instances()) : Flux.empty();
	}

	@Override
	public Flux<String> getServices() {
		return Flux.fromIterable(this.registry.all().keySet());
	}

}
