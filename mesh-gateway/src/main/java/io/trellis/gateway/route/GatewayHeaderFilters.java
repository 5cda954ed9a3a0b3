package io.trellis.gateway.route;

import java.util.Map;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;
import org.springframework.beans.factory.support.RootBeanDefinition;

/**
 * Puts the sidecar's header filters in the place of Spring Cloud Gateway's beans of the same
 * name, which the gateway declares without a way to back off: same behaviour, without copying
 * every header of every request and response. Beans the gateway did not declare (gRPC's when
 * {@code server.http2.enabled=false}) are not added.
 */
public class GatewayHeaderFilters implements BeanDefinitionRegistryPostProcessor {

	/** The gateway's bean names and the filters that replace them. */
	public static final Map<String, Class<?>> REPLACED = Map.of("removeHopByHopHeadersFilter",
			HopByHopHeadersFilter.class, "gRPCRequestHeadersFilter", GrpcRequestHeadersFilter.class);

	@Override
	public void postProcessBeanDefinitionRegistry(BeanDefinitionRegistry registry) throws BeansException {
		REPLACED.forEach((name, type) -> {
			if (registry.containsBeanDefinition(name)) {
				registry.removeBeanDefinition(name);
				registry.registerBeanDefinition(name, new RootBeanDefinition(type));
			}
		});
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) throws BeansException {
	}

}
