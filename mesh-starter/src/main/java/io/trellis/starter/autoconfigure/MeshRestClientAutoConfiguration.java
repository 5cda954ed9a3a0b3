package io.trellis.starter.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshClientHttpRequestInterceptor;
import io.trellis.starter.client.MeshRouting;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;

/**
 * Sends calls made with the auto-configured {@code RestClient.Builder} and
 * {@code RestTemplateBuilder} (and HTTP service clients built on them) through the sidecar.
 * Both clients come with {@code spring-boot-restclient}, hence one auto-configuration.
 * <p>
 * The customizers run last so that the mesh interceptor is added after the interceptors
 * other customizers add, and those still see the URL the application wrote.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class })
@ConditionalOnMeshEnabled
public final class MeshRestClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MeshClientHttpRequestInterceptor meshClientHttpRequestInterceptor(MeshRouting meshRouting,
			CalledServices calledServices) {
		return new MeshClientHttpRequestInterceptor(meshRouting, calledServices);
	}

	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	RestClientCustomizer meshRestClientCustomizer(MeshClientHttpRequestInterceptor interceptor) {
		return (builder) -> builder.requestInterceptors((interceptors) -> {
			if (!interceptors.contains(interceptor)) {
				interceptors.add(interceptor);
			}
		});
	}

	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	RestTemplateCustomizer meshRestTemplateCustomizer(MeshClientHttpRequestInterceptor interceptor) {
		return (restTemplate) -> {
			if (!restTemplate.getInterceptors().contains(interceptor)) {
				// Through setInterceptors, so that RestTemplate drops any request factory it
				// already built around the previous interceptor list.
				List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>(restTemplate.getInterceptors());
				interceptors.add(interceptor);
				restTemplate.setInterceptors(interceptors);
			}
		};
	}

}
