package io.trellis.gateway.loadbalancer;

import java.util.ArrayList;
import java.util.List;

import io.trellis.core.policy.Subset;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.route.MeshExchangeAttributes;
import reactor.core.publisher.Flux;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * One service's instances for Spring Cloud LoadBalancer, narrowed to the subset the route
 * chose for the request (the {@link MeshExchangeAttributes#SUBSET_ATTR} attribute).
 */
public class SubsetServiceInstanceListSupplier implements ServiceInstanceListSupplier {

	private final String serviceId;

	private final EndpointRegistry registry;

	public SubsetServiceInstanceListSupplier(String serviceId, EndpointRegistry registry) {
		this.serviceId = serviceId;
		this.registry = registry;
	}

	@Override
	public String getServiceId() {
		return this.serviceId;
	}

	@Override
	public Flux<List<ServiceInstance>> get() {
		return Flux.just(all());
	}

	@Override
	public Flux<List<ServiceInstance>> get(Request request) {
		return Flux.just(instances(request));
	}

	/** The instances of the subset the request's route chose (all when it chose none). */
	public List<ServiceInstance> instances(Request<?> request) {
		Subset subset = subsetOf(request);
		List<ServiceInstance> all = all();
		if (subset == null) {
			return all;
		}
		List<ServiceInstance> selected = new ArrayList<>(all.size());
		for (ServiceInstance instance : all) {
			if (subset.matches(instance.getMetadata())) {
				selected.add(instance);
			}
		}
		return selected;
	}

	/** How many instances the service has. */
	public int size() {
		return all().size();
	}

	/** Every instance of the service. */
	public List<ServiceInstance> all() {
		EndpointRegistry.Snapshot snapshot = this.registry.get(this.serviceId);
		return (snapshot != null) ? snapshot.instances() : List.of();
	}

	static Subset subsetOf(Request<?> request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null
				&& context.getClientRequest().getAttributes() != null) {
			return (Subset) context.getClientRequest().getAttributes().get(MeshExchangeAttributes.SUBSET_ATTR);
		}
		return null;
	}

}
