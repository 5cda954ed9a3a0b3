package io.trellis.starter.autoconfigure;

import io.micrometer.tracing.exporter.SpanExportingPredicate;
import io.trellis.starter.tracing.ActuatorTracesExportingPredicate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The starter's part in tracing, which Spring Boot's Micrometer Tracing auto-configuration
 * otherwise provides (see {@code io.trellis.starter.tracing}): keeps the traces of the
 * sidecar's readiness checks, and of other actuator requests that start a trace, out of
 * export unless {@code mesh.tracing.export-actuator-traces} is true.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass(SpanExportingPredicate.class)
@ConditionalOnMeshEnabled
@ConditionalOnBooleanProperty(name = MeshProperties.PREFIX + ".tracing.export-actuator-traces", havingValue = false,
		matchIfMissing = true)
public final class MeshTracingAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "meshActuatorTracesExportingPredicate")
	ActuatorTracesExportingPredicate meshActuatorTracesExportingPredicate(Environment environment) {
		return new ActuatorTracesExportingPredicate(
				environment.getProperty("management.endpoints.web.base-path", "/actuator"));
	}

}
