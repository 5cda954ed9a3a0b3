package io.trellis.gateway.loadbalancer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.trellis.gateway.discovery.EndpointRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;

/**
 * One Spring Cloud LoadBalancer balancer per destination service, found by a map lookup.
 * Spring Cloud LoadBalancer's own client factory builds a child application context per
 * service; a sidecar may call many services, so it keeps plain balancers instead, each over a
 * {@link SubsetServiceInstanceListSupplier}.
 */
public class MeshLoadBalancers {

	private final EndpointRegistry registry;

	private final Map<String, ReactorServiceInstanceLoadBalancer> balancers = new ConcurrentHashMap<>();

	public MeshLoadBalancers(EndpointRegistry registry) {
		this.registry = registry;
	}

	/** The balancer of a service, created on first use. */
	public ReactorServiceInstanceLoadBalancer get(String service) {
		ReactorServiceInstanceLoadBalancer balancer = this.balancers.get(service);
		return (balancer != null) ? balancer : this.balancers.computeIfAbsent(service, this::create);
	}

	private ReactorServiceInstanceLoadBalancer create(String service) {
		ServiceInstanceListSupplier supplier = new SubsetServiceInstanceListSupplier(service, this.registry);
		return new RoundRobinLoadBalancer(new FixedObjectProvider<>(supplier), service);
	}

	/** Hands Spring Cloud LoadBalancer an object it asks for through an {@link ObjectProvider}. */
	private static final class FixedObjectProvider<T> implements ObjectProvider<T> {

		private final T object;

		FixedObjectProvider(T object) {
			this.object = object;
		}

		@Override
		public T getObject() {
			return this.object;
		}

		@Override
		public T getObject(Object... args) {
			return this.object;
		}

		@Override
		public T getIfAvailable() {
			return this.object;
		}

		@Override
		public T getIfUnique() {
			return this.object;
		}

	}

}
