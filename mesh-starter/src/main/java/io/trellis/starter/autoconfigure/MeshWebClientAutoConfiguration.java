package io.trellis.starter.autoconfigure;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshExchangeFilterFunction;
import io.trellis.starter.client.MeshRouting;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Sends calls made with the auto-configured {@code WebClient.Builder} (and HTTP service
 * clients built on it) through the sidecar. The customizer runs last so that filters other
 * customizers add still see the URL the application wrote.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class })
@ConditionalOnMeshEnabled
public final class MeshWebClientAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MeshExchangeFilterFunction meshExchangeFilterFunction(MeshRouting meshRouting, CalledServices calledServices) {
		return new MeshExchangeFilterFunction(meshRouting, calledServices);
	}

	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	WebClientCustomizer meshWebClientCustomizer(MeshExchangeFilterFunction filter) {
		return (builder) -> builder.filters((filters) -> {
			if (!filters.contains(filter)) {
				filters.add(filter);
			}
		});
	}

}
