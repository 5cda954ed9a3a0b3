package io.trellis.gateway.route;

import java.util.Map;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Puts the sidecar's versions of some of Spring Cloud Gateway's filters in the place of the
 * gateway's beans of the same name, which the gateway declares without a way to back off: the
 * same behaviour at less cost per request. The header filters no longer copy every header of
 * every request and response; the filter that gives each request its URL no longer rebuilds the
 * URI; the routing filter copies headers once less each way and does not parse the URL again;
 * the response filter writes a small body of known length whole instead of streaming it.
 * Beans the gateway did not declare (gRPC's when {@code server.http2.enabled=false}; those of a
 * global filter turned off by its {@code ...global-filter.*.enabled} property) are not added.
 */
public class GatewayFilterReplacements implements BeanDefinitionRegistryPostProcessor {

	/** The gateway's bean names and the filters that replace them. */
	public static final Map<String, Class<?>> REPLACED = Map.of("removeHopByHopHeadersFilter",
			HopByHopHeadersFilter.class, "gRPCRequestHeadersFilter", GrpcRequestHeadersFilter.class,
			"routeToRequestUrlFilter", MeshRouteToRequestUrlFilter.class, "routingFilter", MeshRoutingFilter.class,
			"nettyWriteResponseFilter", MeshWriteResponseFilter.class);

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
		REPLACED.forEach((name, type) -> {
			// Already replaced when the definitions are those the build's ahead-of-time
			// processing generated (this post-processor ran then too).
			if (registry.containsBeanDefinition(name)
					&& !type.getName().equals(registry.getBeanDefinition(name).getBeanClassName())) {
				registry.removeBeanDefinition(name);
				RootBeanDefinition replacement = new RootBeanDefinition(type);
				// The routing filter takes the gateway's HTTP client, header filters and properties; the
				// response filter the gateway's properties and header filters.
				replacement.setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
				registry.registerBeanDefinition(name, replacement);
			}
		});
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
	}

}
