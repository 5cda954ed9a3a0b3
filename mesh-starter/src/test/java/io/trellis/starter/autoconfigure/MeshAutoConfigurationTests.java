package io.trellis.starter.autoconfigure;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshRouting;
import io.trellis.starter.sidecar.SidecarAdminClient;
import io.trellis.starter.sidecar.SidecarStartupWait;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class MeshAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
		// Never wait for (or reach) a real sidecar that may run on this machine.
		.withPropertyValues("mesh.sidecar.startup-timeout=0");

	@Test
	void coreBeansArePresentByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(MeshProperties.class)
			.hasSingleBean(MeshRouting.class)
			.hasSingleBean(CalledServices.class)
			.hasSingleBean(SidecarAdminClient.class)
			.hasSingleBean(SidecarStartupWait.class));
	}

	@Test
	void propertiesHaveDocumentedDefaults() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class))
			.withPropertyValues("mesh.enabled=false")
			.run((context) -> {
				MeshProperties properties = context.getBean(MeshProperties.class);
				assertThat(properties.serviceName()).isNull();
				assertThat(properties.sidecar().address()).isEqualTo("127.0.0.1");
				assertThat(properties.sidecar().outboundPort()).isEqualTo(15001);
				assertThat(properties.sidecar().adminPort()).isEqualTo(15000);
				assertThat(properties.sidecar().startupTimeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.sidecar().failOnStartupTimeout()).isFalse();
				assertThat(properties.client().includeHosts()).isEmpty();
				assertThat(properties.client().excludeHosts()).isEmpty();
			});
	}

	@Test
	void serviceNameDefaultsToApplicationName() {
		this.runner.run((context) -> {
			MeshProperties properties = context.getBean(MeshProperties.class);
			assertThat(properties.serviceNameOr("shop")).isEqualTo("shop");
		});
		this.runner.withPropertyValues("mesh.service-name=checkout").run((context) -> {
			MeshProperties properties = context.getBean(MeshProperties.class);
			assertThat(properties.serviceNameOr("shop")).isEqualTo("checkout");
		});
	}

	@Test
	void routingUsesConfiguredSidecarAndHosts() {
		this.runner
			.withPropertyValues("mesh.sidecar.address=127.0.0.2", "mesh.sidecar.outbound-port=16001",
					"mesh.client.include-hosts=orders.shop", "mesh.client.exclude-hosts=legacy")
			.run((context) -> {
				MeshRouting routing = context.getBean(MeshRouting.class);
				assertThat(routing.route(URI.create("http://orders.shop/a")).sidecarUri())
					.isEqualTo(URI.create("http://127.0.0.2:16001/a"));
				assertThat(routing.route(URI.create("http://legacy/a"))).isNull();
			});
	}

	@Test
	void nothingIsDefinedWhenMeshIsDisabled() {
		this.runner.withPropertyValues("mesh.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(MeshRouting.class)
				.doesNotHaveBean(CalledServices.class)
				.doesNotHaveBean(SidecarAdminClient.class)
				.doesNotHaveBean(SidecarStartupWait.class));
	}

	@Test
	void userDefinedBeansMakeOursBackOff() {
		this.runner.withUserConfiguration(UserBeans.class).run((context) -> {
			assertThat(context).hasSingleBean(MeshRouting.class).hasSingleBean(CalledServices.class);
			assertThat(context.getBean(MeshRouting.class)).isSameAs(context.getBean(UserBeans.class).routing);
			assertThat(context.getBean(CalledServices.class)).isSameAs(context.getBean(UserBeans.class).calledServices);
		});
	}

	@ParameterizedTest
	@CsvSource({ "mesh.sidecar.outbound-port, -1", "mesh.sidecar.outbound-port, 70000", "mesh.sidecar.admin-port, 0",
			"mesh.sidecar.admin-port, 65536" })
	void portOutOfRangeFailsNamingTheProperty(String property, String value) {
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(BindValidationException.class)
				.hasMessageContaining(camelCasePath(property))
				.hasMessageContaining(value);
		});
	}

	@ParameterizedTest
	@CsvSource({ "mesh.sidecar.outbound-port, -1", "mesh.sidecar.admin-port, 70000" })
	void portOutOfRangeFailsNamingThePropertyWithoutABeanValidationProvider(String property, String value) {
		// Most applications have no Bean Validation provider; the properties check themselves.
		this.runner.withClassLoader(new FilteredClassLoader("jakarta.validation", "org.hibernate.validator"))
			.withPropertyValues(property + "=" + value)
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.isInstanceOf(BindValidationException.class)
					.hasMessageContaining(property + " must be between 1 and 65535 but was " + value);
			});
	}

	@Test
	void negativeStartupTimeoutFailsNamingTheProperty() {
		this.runner.withPropertyValues("mesh.sidecar.startup-timeout=-1s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("mesh.sidecar.startup-timeout must be zero (no wait) or positive");
		});
	}

	@Test
	void invalidServiceNameFailsNamingTheProperty() {
		this.runner.withPropertyValues("mesh.service-name=Order_Service").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("mesh.service-name 'Order_Service' is not a valid service name");
		});
	}

	@ParameterizedTest
	@CsvSource({ "include-hosts, orders.shop:8080", "exclude-hosts, http://legacy" })
	void hostWithSchemeOrPortFailsNamingTheProperty(String property, String value) {
		this.runner.withPropertyValues("mesh.client." + property + "=orders," + value).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("mesh.client." + property + "[1] '" + value + "' must be a host name");
		});
	}

	@Test
	void unparsablePortFailsNamingTheProperty() {
		this.runner.withPropertyValues("mesh.sidecar.outbound-port=lots").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("Failed to bind properties under 'mesh.sidecar.outbound-port' to int");
		});
	}

	private static String camelCasePath(String property) {
		return property.endsWith("outbound-port") ? "outboundPort" : "adminPort";
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBeans {

		final MeshRouting routing = new MeshRouting("127.0.0.9", 1234, List.of(), List.of());

		final CalledServices calledServices = new CalledServices(5);

		@Bean
		MeshRouting userRouting() {
			return this.routing;
		}

		@Bean
		CalledServices userCalledServices() {
			return this.calledServices;
		}

	}

}
