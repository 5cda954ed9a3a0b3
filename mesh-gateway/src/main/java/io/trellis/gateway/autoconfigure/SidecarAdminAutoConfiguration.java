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
import io.trellis.gateway.route.ListenerResolver;
import io.trellis.gateway.route.MeshRouteTable;
import io.trellis.gateway.server.AdminServer;
import io.trellis.gateway.server.ControlLoop;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The admin listener ({@link AdminServer}, {@code mesh.proxy.admin.*}) and the sidecar's
 * {@code /actuator/mesh} endpoint on it, served on the sidecar's control thread
 * ({@link ControlLoop}). Actuator runs in the sidecar's one application
 * context: Spring Boot's {@code management.server.*} properties, which would start a second
 * context and server, are refused with a message naming the sidecar's own.
 */
@AutoConfiguration(after = SidecarAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
public final class SidecarAdminAutoConfiguration {

	@Bean
	AdminServer meshAdminServer(ObjectProvider<HttpHandler> handler, SidecarProperties properties,
			ControlLoop loop, ObjectProvider<NettyServerCustomizer> customizers, ListenerResolver listeners,
			Environment environment) {
		for (String property : new String[] { "management.server.port", "management.server.address" }) {
			if (environment.containsProperty(property)) {
				throw new IllegalStateException(property + " is set, but the sidecar serves actuator on its admin "
						+ "listener: set mesh.proxy.admin." + property.substring("management.server.".length())
						+ " instead and remove " + property);
			}
		}
		// On the control thread: scrapes, probes and taps do not hold up the traffic's event loop.
		return new AdminServer(new SidecarAutoConfiguration.LazyHttpHandler(handler), properties.admin(), loop,
				customizers.orderedStream().toList(), listeners);
	}

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
