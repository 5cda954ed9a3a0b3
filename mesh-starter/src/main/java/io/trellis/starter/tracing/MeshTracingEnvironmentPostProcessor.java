package io.trellis.starter.tracing;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.env.DefaultPropertiesPropertySource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Makes Zipkin export something an application asks for: the starter brings Spring Boot's
 * Zipkin support, whose endpoint defaults to {@code http://localhost:9411/api/v2/spans}, so
 * without this every application with the starter would post spans to whatever listens
 * there. Unless {@value #ZIPKIN_ENDPOINT} or {@value #ZIPKIN_EXPORT_ENABLED} is set, it adds
 * {@code management.tracing.export.zipkin.enabled=false} to the default properties, the lowest
 * precedence there is. Tracing itself (spans, propagation, log correlation) is untouched.
 */
public class MeshTracingEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	/** The standard Spring Boot property naming the Zipkin endpoint. */
	public static final String ZIPKIN_ENDPOINT = "management.tracing.export.zipkin.endpoint";

	/** The standard Spring Boot switch for Zipkin export. */
	public static final String ZIPKIN_EXPORT_ENABLED = "management.tracing.export.zipkin.enabled";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		// The binder sees every form of the names (environment variables included).
		Binder binder = Binder.get(environment);
		if (binder.bind(ZIPKIN_ENDPOINT, String.class).isBound()
				|| binder.bind(ZIPKIN_EXPORT_ENABLED, String.class).isBound()) {
			return;
		}
		DefaultPropertiesPropertySource.addOrMerge(Map.of(ZIPKIN_EXPORT_ENABLED, "false"),
				environment.getPropertySources());
	}

	@Override
	public int getOrder() {
		// After the application's configuration files are loaded.
		return Ordered.LOWEST_PRECEDENCE;
	}

}
