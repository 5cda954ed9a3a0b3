package io.trellis.starter.autoconfigure;

import java.io.IOException;

import io.trellis.starter.actuate.MeshDescriptor;
import io.trellis.starter.actuate.MeshEndpoint;
import io.trellis.starter.actuate.SidecarHealthIndicator;
import io.trellis.starter.standin.StandInAdminListener;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/** The health indicator and endpoint auto-configurations. */
class MeshActuatorAutoConfigurationTests {

	@AutoClose
	private StandInAdminListener admin;

	private ApplicationContextRunner runner;

	@BeforeEach
	void startAdmin() throws IOException {
		this.admin = StandInAdminListener.start();
		this.runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class,
					MeshHealthContributorAutoConfiguration.class, MeshEndpointAutoConfiguration.class))
			.withPropertyValues("mesh.sidecar.startup-timeout=0", "mesh.sidecar.admin-port=" + this.admin.port(),
					"management.endpoints.web.exposure.include=mesh", "spring.application.name=shop");
	}

	@Test
	void sidecarHealthIndicatorAndMeshEndpointArePresentByDefault() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(SidecarHealthIndicator.class)
				.hasBean("sidecarHealthIndicator")
				.hasSingleBean(MeshEndpoint.class);
			assertThat(context.getBean("sidecarHealthIndicator", HealthIndicator.class).health().getStatus())
				.isEqualTo(Status.UP);
			MeshDescriptor mesh = context.getBean(MeshEndpoint.class).mesh();
			assertThat(mesh.serviceName()).isEqualTo("shop");
			assertThat(mesh.policyVersion()).isEqualTo("v7");
			assertThat(mesh.sidecar().adminPort()).isEqualTo(this.admin.port());
		});
	}

	@Test
	void meshServiceNameWinsOverApplicationName() {
		this.runner.withPropertyValues("mesh.service-name=orders")
			.run((context) -> assertThat(context.getBean(MeshEndpoint.class).mesh().policyVersion()).isEqualTo("v3"));
	}

	@Test
	void disabledMeshHasNoHealthIndicatorButAnEndpointSayingSo() {
		this.runner.withPropertyValues("mesh.enabled=false").run((context) -> {
			assertThat(context).doesNotHaveBean(SidecarHealthIndicator.class).hasSingleBean(MeshEndpoint.class);
			MeshDescriptor mesh = context.getBean(MeshEndpoint.class).mesh();
			assertThat(mesh.enabled()).isFalse();
			assertThat(mesh.sidecarState()).isNull();
		});
	}

	@Test
	void healthIndicatorCanBeSwitchedOffLikeBootsOwn() {
		this.runner.withPropertyValues("management.health.sidecar.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SidecarHealthIndicator.class));
	}

	@Test
	void endpointIsAbsentWhenNotExposed() {
		this.runner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(MeshEndpoint.class));
	}

	@Test
	void userDefinedBeansMakeOursBackOff() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(MeshEndpoint.class).hasSingleBean(SidecarHealthIndicator.class);
			assertThat(context.getBean(MeshEndpoint.class)).isSameAs(context.getBean("userMeshEndpoint"));
			assertThat(context.getBean("sidecarHealthIndicator")).isSameAs(UserBeans.HEALTH);
		});
	}

	@Test
	void nothingWithoutHealthSupport() {
		this.runner.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(SidecarHealthIndicator.class)
				.hasSingleBean(MeshEndpoint.class));
	}

	@Test
	void nothingWithoutActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(Endpoint.class))
			.run((context) -> assertThat(context).doesNotHaveBean(MeshEndpoint.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		static final SidecarHealthIndicator HEALTH = new SidecarHealthIndicator(
				new io.trellis.starter.sidecar.SidecarAdminClient("127.0.0.1", 1));

		@Bean
		MeshEndpoint userMeshEndpoint() {
			return new MeshEndpoint(new MeshEndpoint.Settings(true, "custom", "127.0.0.1", 1, 2), null, null);
		}

		@Bean
		SidecarHealthIndicator sidecarHealthIndicator() {
			return HEALTH;
		}

	}

}
