package io.trellis.gateway.loadbalancer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.metrics.MeshMetrics;


/**
 * One Spring Cloud LoadBalancer balancer per destination service, found by a map lookup.
 * Spring Cloud LoadBalancer's own client factory builds a child application context per
 * service; a sidecar may call many services, so it keeps plain balancers instead, each over a
 * {@link SubsetServiceInstanceListSupplier}, choosing by the service's policy
 * ({@link ServiceBalancer}).
 */
public class MeshLoadBalancers {

	private final EndpointRegistry registry;

	private final Map<String, ServiceBalancer> balancers = new ConcurrentHashMap<>();

	private final MeshMetrics metrics;

	public MeshLoadBalancers(EndpointRegistry registry) {
		this(registry, MeshMetrics.NONE);
	}

	/** @param metrics counts ejections */
	public MeshLoadBalancers(EndpointRegistry registry, MeshMetrics metrics) {
		this.registry = registry;
		this.metrics = metrics;
	}

	/** The balancer of a service, created on first use. */
	public ServiceBalancer get(String service) {
		ServiceBalancer balancer = this.balancers.get(service);
		return (balancer != null) ? balancer : this.balancers.computeIfAbsent(service, this::create);
	}

	/** The balancer of a service if one was created. */
	public ServiceBalancer find(String service) {
		return this.balancers.get(service);
	}

	private ServiceBalancer create(String service) {
		ServiceBalancer balancer = new ServiceBalancer(service, new SubsetServiceInstanceListSupplier(service, this.registry));
		balancer.onEjection(() -> this.metrics.ejection(service));
		return balancer;
	}

}
