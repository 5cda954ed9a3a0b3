package io.trellis.starter.autoconfigure;

import io.micrometer.tracing.exporter.SpanExportingPredicate;
import io.trellis.starter.tracing.ActuatorTracesExportingPredicate;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class MeshTracingAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MeshAutoConfiguration.class, MeshTracingAutoConfiguration.class))
		.withPropertyValues("mesh.sidecar.startup-timeout=0");

	@Test
	void actuatorTracesAreKeptOutOfExportByDefault() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(ActuatorTracesExportingPredicate.class)
			.hasBean("meshActuatorTracesExportingPredicate"));
	}

	@Test
	void actuatorTracesCanBeExported() {
		this.runner.withPropertyValues("mesh.tracing.export-actuator-traces=true")
			.run((context) -> assertThat(context).doesNotHaveBean(SpanExportingPredicate.class));
	}

	@Test
	void backsOffWhenTheMeshIsDisabled() {
		this.runner.withPropertyValues("mesh.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(SpanExportingPredicate.class));
	}

	@Test
	void backsOffWithoutMicrometerTracing() {
		this.runner.withClassLoader(new FilteredClassLoader(SpanExportingPredicate.class))
			.run((context) -> assertThat(context).doesNotHaveBean("meshActuatorTracesExportingPredicate"));
	}

	@Test
	void userBeanOfTheSameNameWins() {
		this.runner.withUserConfiguration(UserPredicate.class).run((context) -> {
			assertThat(context).hasSingleBean(SpanExportingPredicate.class);
			assertThat(context.getBean("meshActuatorTracesExportingPredicate"))
				.isNotInstanceOf(ActuatorTracesExportingPredicate.class);
		});
	}

	@Configuration(proxyBeanMethods = false)
	static class UserPredicate {

		@Bean
		SpanExportingPredicate meshActuatorTracesExportingPredicate() {
			return (span) -> true;
		}

	}

}
