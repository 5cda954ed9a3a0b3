package io.trellis.starter.autoconfigure;

import io.trellis.starter.client.CalledServices;
import io.trellis.starter.client.MeshRouting;
import io.trellis.starter.sidecar.SidecarAdminClient;
import io.trellis.starter.sidecar.SidecarStartupWait;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The starter's core: binds {@code mesh.*}, decides which URLs are mesh calls, talks to the
 * sidecar's admin listener and holds startup until the sidecar is healthy. The client and
 * actuator integrations build on the beans defined here.
 * <p>
 * Properties are bound even when the mesh is disabled, so that {@code /actuator/mesh} can
 * still say so.
 */
@AutoConfiguration
@EnableConfigurationProperties(MeshProperties.class)
public final class MeshAutoConfiguration {

	@Bean
	@ConditionalOnMeshEnabled
	@ConditionalOnMissingBean
	MeshRouting meshRouting(MeshProperties properties) {
		return new MeshRouting(properties.sidecar().address(), properties.sidecar().outboundPort(),
				properties.client().includeHosts(), properties.client().excludeHosts());
	}

	@Bean
	@ConditionalOnMeshEnabled
	@ConditionalOnMissingBean
	CalledServices meshCalledServices() {
		return new CalledServices();
	}

	@Bean
	@ConditionalOnMeshEnabled
	@ConditionalOnMissingBean
	SidecarAdminClient sidecarAdminClient(MeshProperties properties) {
		return new SidecarAdminClient(properties.sidecar().address(), properties.sidecar().adminPort());
	}

	@Bean
	@ConditionalOnMeshEnabled
	@ConditionalOnMissingBean
	SidecarStartupWait sidecarStartupWait(SidecarAdminClient sidecarAdminClient, MeshProperties properties) {
		return new SidecarStartupWait(sidecarAdminClient, properties.sidecar().startupTimeout(),
				properties.sidecar().failOnStartupTimeout());
	}

}
