package io.trellis.starter.autoconfigure;

import io.trellis.starter.actuate.MeshEndpoint;
import io.trellis.starter.client.CalledServices;
import io.trellis.starter.sidecar.SidecarAdminClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Exposes {@code /actuator/mesh} when the actuator is present. Unlike the rest of the
 * starter it stays when {@code mesh.enabled=false}, so that an operator can see that the mesh
 * is switched off for this application.
 */
@AutoConfiguration(after = MeshAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnAvailableEndpoint(MeshEndpoint.class)
public final class MeshEndpointAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	MeshEndpoint meshEndpoint(MeshProperties properties, Environment environment,
			ObjectProvider<SidecarAdminClient> sidecarAdminClient, ObjectProvider<CalledServices> calledServices) {
		MeshProperties.Sidecar sidecar = properties.sidecar();
		MeshEndpoint.Settings settings = new MeshEndpoint.Settings(properties.enabled(),
				properties.serviceNameOr(environment.getProperty("spring.application.name")), sidecar.address(),
				sidecar.outboundPort(), sidecar.adminPort());
		return new MeshEndpoint(settings, sidecarAdminClient.getIfAvailable(), calledServices.getIfAvailable());
	}

}
