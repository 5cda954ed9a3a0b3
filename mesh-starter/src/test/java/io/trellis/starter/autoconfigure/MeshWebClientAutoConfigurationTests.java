package io.trellis.starter.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshExchangeFilterFunction;
import io.trellis.starter.client.MeshRouting;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class MeshWebClientAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner runner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshWebClientAutoConfiguration.class,
				HttpClientAutoConfiguration.class, ReactiveHttpClientAutoConfiguration.class,
				WebClientAutoConfiguration.class))
		.withPropertyValues("mesh.sidecar.startup-timeout=0", "spring.reactor.netty.shutdown-quiet-period=0s");

	@Test
	void autoConfiguredWebClientBuilderGetsTheMeshFilter() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(MeshExchangeFilterFunction.class).hasBean("meshWebClientCustomizer");
			assertThat(filtersOf(context.getBean(WebClient.Builder.class)))
				.containsExactly(context.getBean(MeshExchangeFilterFunction.class));
		});
	}

	@Test
	void meshFilterComesAfterFiltersOfOtherCustomizers() {
		this.runner.withUserConfiguration(OtherCustomizer.class).run((context) -> {
			List<ExchangeFilterFunction> filters = filtersOf(context.getBean(WebClient.Builder.class));
			assertThat(filters).hasSize(2);
			assertThat(filters.get(0)).isSameAs(OtherCustomizer.OTHER);
			assertThat(filters.get(1)).isInstanceOf(MeshExchangeFilterFunction.class);
		});
	}

	@Test
	void customizerAddsTheFilterOnlyOnce() {
		this.runner.run((context) -> {
			WebClient.Builder builder = WebClient.builder();
			WebClientCustomizer customizer = context.getBean("meshWebClientCustomizer", WebClientCustomizer.class);
			customizer.customize(builder);
			customizer.customize(builder);
			assertThat(filtersOf(builder)).hasSize(1);
		});
	}

	@Test
	void nothingIsAddedWhenMeshIsDisabled() {
		this.runner.withPropertyValues("mesh.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(MeshExchangeFilterFunction.class)
				.doesNotHaveBean("meshWebClientCustomizer");
			assertThat(filtersOf(context.getBean(WebClient.Builder.class))).isEmpty();
		});
	}

	@Test
	void userDefinedFilterMakesOursBackOffAndIsUsed() {
		this.runner.withUserConfiguration(UserFilter.class).run((context) -> {
			assertThat(context).hasSingleBean(MeshExchangeFilterFunction.class);
			MeshExchangeFilterFunction filter = context.getBean(MeshExchangeFilterFunction.class);
			assertThat(filter).isInstanceOf(UserFilter.Custom.class);
			assertThat(filtersOf(context.getBean(WebClient.Builder.class))).containsExactly(filter);
		});
	}

	@Test
	void nothingIsAddedWithoutSpringBootWebClient() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClientCustomizer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(MeshExchangeFilterFunction.class)
				.doesNotHaveBean("meshWebClientCustomizer"));
	}

	@Test
	void nothingIsAddedWithoutWebFlux() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(MeshExchangeFilterFunction.class)
				.doesNotHaveBean("meshWebClientCustomizer"));
	}

	static List<ExchangeFilterFunction> filtersOf(WebClient.Builder builder) {
		List<ExchangeFilterFunction> filters = new ArrayList<>();
		builder.filters(filters::addAll);
		return filters;
	}

	@Configuration(proxyBeanMethods = false)
	static class OtherCustomizer {

		static final ExchangeFilterFunction OTHER = (request, next) -> next.exchange(request);

		@Bean
		WebClientCustomizer otherWebClientCustomizer() {
			return (builder) -> builder.filter(OTHER);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserFilter {

		@Bean
		Custom customMeshFilter(MeshRouting routing, CalledServices calledServices) {
			return new Custom(routing, calledServices);
		}

		static class Custom extends MeshExchangeFilterFunction {

			Custom(MeshRouting routing, CalledServices calledServices) {
				super(routing, calledServices);
			}

		}

	}

}
