package io.trellis.starter.autoconfigure;

import io.trellis.starter.deadline.MeshDeadlineServletFilter;
import io.trellis.starter.deadline.MeshDeadlineWebFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Passes the deadline of the request an application handles on to the mesh calls it makes
 * while handling it ({@code mesh.client.propagate-deadline}, on by default): a servlet filter
 * or a WebFilter keeps the deadline, and the client integrations send what is left of it.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnMeshEnabled
@ConditionalOnProperty(name = "mesh.client.propagate-deadline", havingValue = "true", matchIfMissing = true)
public final class MeshDeadlineAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass({ jakarta.servlet.Filter.class, FilterRegistrationBean.class })
	static final class Servlet {

		@Bean
		@ConditionalOnMissingBean(name = "meshDeadlineFilter")
		FilterRegistrationBean<MeshDeadlineServletFilter> meshDeadlineFilter() {
			FilterRegistrationBean<MeshDeadlineServletFilter> registration = new FilterRegistrationBean<>(
					new MeshDeadlineServletFilter());
			registration.setName("meshDeadlineFilter");
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
			return registration;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(org.springframework.web.server.WebFilter.class)
	static final class Reactive {

		@Bean
		@ConditionalOnMissingBean
		MeshDeadlineWebFilter meshDeadlineWebFilter() {
			return new MeshDeadlineWebFilter();
		}

	}

}
