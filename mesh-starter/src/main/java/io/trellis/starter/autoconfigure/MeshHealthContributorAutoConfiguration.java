package io.trellis.starter.autoconfigure;

import io.trellis.starter.actuate.SidecarHealthIndicator;
import io.trellis.starter.sidecar.SidecarAdminClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Contributes the {@code sidecar} health indicator when Spring Boot's health support is
 * present. It joins the overall health only; readiness is left to the application's own
 * state (see {@link SidecarHealthIndicator}).
 */
@AutoConfiguration(after = MeshAutoConfiguration.class, before = HealthContributorAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnMeshEnabled
@ConditionalOnEnabledHealthIndicator("sidecar")
public final class MeshHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "sidecarHealthIndicator")
	SidecarHealthIndicator sidecarHealthIndicator(SidecarAdminClient sidecarAdminClient) {
		return new SidecarHealthIndicator(sidecarAdminClient);
	}

}
