package io.trellis.starter.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshClientHttpRequestInterceptor;
import io.trellis.starter.client.MeshRouting;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class MeshRestClientAutoConfigurationTests {

	private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshRestClientAutoConfiguration.class,
				HttpClientAutoConfiguration.class, ImperativeHttpClientAutoConfiguration.class,
				HttpMessageConvertersAutoConfiguration.class, RestClientAutoConfiguration.class,
				RestTemplateAutoConfiguration.class))
		.withPropertyValues("mesh.sidecar.startup-timeout=0");

	@Test
	void autoConfiguredRestClientBuilderAndRestTemplateBuilderGetTheMeshInterceptor() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(MeshClientHttpRequestInterceptor.class)
				.hasBean("meshRestClientCustomizer")
				.hasBean("meshRestTemplateCustomizer");
			MeshClientHttpRequestInterceptor interceptor = context.getBean(MeshClientHttpRequestInterceptor.class);
			assertThat(interceptorsOf(context.getBean(RestClient.Builder.class))).containsExactly(interceptor);
			assertThat(context.getBean(RestTemplateBuilder.class).build().getInterceptors())
				.containsExactly(interceptor);
		});
	}

	@Test
	void meshInterceptorComesAfterInterceptorsOfOtherCustomizers() {
		this.runner.withUserConfiguration(OtherCustomizers.class).run((context) -> {
			List<ClientHttpRequestInterceptor> interceptors = interceptorsOf(context.getBean(RestClient.Builder.class));
			assertThat(interceptors).hasSize(2);
			assertThat(interceptors.get(0)).isSameAs(OtherCustomizers.OTHER);
			assertThat(interceptors.get(1)).isInstanceOf(MeshClientHttpRequestInterceptor.class);
			assertThat(context.getBean(RestTemplateBuilder.class).build().getInterceptors().get(1))
				.isInstanceOf(MeshClientHttpRequestInterceptor.class);
		});
	}

	@Test
	void customizersAddTheInterceptorOnlyOnce() {
		this.runner.run((context) -> {
			RestClient.Builder builder = RestClient.builder();
			RestClientCustomizer customizer = context.getBean("meshRestClientCustomizer", RestClientCustomizer.class);
			customizer.customize(builder);
			customizer.customize(builder);
			assertThat(interceptorsOf(builder)).hasSize(1);
			RestTemplate restTemplate = new RestTemplate();
			RestTemplateCustomizer templateCustomizer = context.getBean("meshRestTemplateCustomizer",
					RestTemplateCustomizer.class);
			templateCustomizer.customize(restTemplate);
			templateCustomizer.customize(restTemplate);
			assertThat(restTemplate.getInterceptors()).hasSize(1);
		});
	}

	@Test
	void nothingIsAddedWhenMeshIsDisabled() {
		this.runner.withPropertyValues("mesh.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(MeshClientHttpRequestInterceptor.class)
				.doesNotHaveBean("meshRestClientCustomizer")
				.doesNotHaveBean("meshRestTemplateCustomizer");
			assertThat(interceptorsOf(context.getBean(RestClient.Builder.class))).isEmpty();
			assertThat(context.getBean(RestTemplateBuilder.class).build().getInterceptors()).isEmpty();
		});
	}

	@Test
	void userDefinedInterceptorMakesOursBackOffAndIsUsed() {
		this.runner.withUserConfiguration(UserInterceptor.class).run((context) -> {
			assertThat(context).hasSingleBean(MeshClientHttpRequestInterceptor.class);
			MeshClientHttpRequestInterceptor interceptor = context.getBean(MeshClientHttpRequestInterceptor.class);
			assertThat(interceptor).isInstanceOf(UserInterceptor.Custom.class);
			assertThat(interceptorsOf(context.getBean(RestClient.Builder.class))).containsExactly(interceptor);
		});
	}

	@Test
	void nothingIsAddedWithoutSpringBootRestClient() {
		this.runner.withClassLoader(new FilteredClassLoader(RestClientCustomizer.class, RestTemplateCustomizer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(MeshClientHttpRequestInterceptor.class)
				.doesNotHaveBean("meshRestClientCustomizer"));
	}

	@Test
	void nothingIsAddedWithoutRestClient() {
		this.runner.withClassLoader(new FilteredClassLoader(RestClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(MeshClientHttpRequestInterceptor.class)
				.doesNotHaveBean("meshRestClientCustomizer"));
	}

	static List<ClientHttpRequestInterceptor> interceptorsOf(RestClient.Builder builder) {
		List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>();
		builder.requestInterceptors(interceptors::addAll);
		return interceptors;
	}

	@Configuration(proxyBeanMethods = false)
	static class OtherCustomizers {

		static final ClientHttpRequestInterceptor OTHER = (request, body, execution) -> execution.execute(request,
				body);

		@Bean
		RestClientCustomizer otherRestClientCustomizer() {
			return (builder) -> builder.requestInterceptor(OTHER);
		}

		@Bean
		RestTemplateCustomizer otherRestTemplateCustomizer() {
			return (restTemplate) -> restTemplate.getInterceptors().add(OTHER);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserInterceptor {

		@Bean
		Custom customMeshInterceptor(MeshRouting routing, CalledServices calledServices) {
			return new Custom(routing, calledServices);
		}

		static class Custom extends MeshClientHttpRequestInterceptor {

			Custom(MeshRouting routing, CalledServices calledServices) {
				super(routing, calledServices);
			}

		}

	}

}
