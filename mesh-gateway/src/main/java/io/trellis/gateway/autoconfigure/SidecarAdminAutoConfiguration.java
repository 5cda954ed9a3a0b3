package io.trellis.gateway.autoconfigure;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.admin.MeshEndpoint;
import io.trellis.gateway.controlplane.ControlPlaneSync;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.controlplane.LocalRegistration;
import io.trellis.gateway.controlplane.StateStore;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.limit.ConcurrencyLimiters;
import io.trellis.gateway.limit.InboundRateLimiter;
import io.trellis.gateway.loadbalancer.MeshLoadBalancers;
import io.trellis.gateway.breaker.CircuitBreakers;
import io.trellis.gateway.retry.RetryBudgets;
import io.trellis.gateway.route.MeshRouteTable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** The sidecar's {@code /actuator/mesh} endpoint on the admin listener. */
@AutoConfiguration(after = SidecarAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
public final class SidecarAdminAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnAvailableEndpoint
	MeshEndpoint meshEndpoint(LocalInstance local, SidecarProperties properties, ControlPlaneSync sync,
			LocalRegistration registration, MeshRouteTable routes, EndpointRegistry endpoints, StateStore store,
			MeshLoadBalancers balancers, RetryBudgets budgets, CircuitBreakers breakers,
			ObjectProvider<ConcurrencyLimiters> concurrencyLimiters, ObjectProvider<InboundRateLimiter> rateLimiter,
			ObjectProvider<io.trellis.gateway.telemetry.Taps> taps) {
		MeshEndpoint endpoint = new MeshEndpoint(local, properties, sync, registration, routes, endpoints, store,
				balancers, budgets, breakers);
		endpoint.setLimits(concurrencyLimiters.getIfAvailable(), rateLimiter.getIfAvailable());
		endpoint.setTaps(taps.getIfAvailable());
		return endpoint;
	}

}
