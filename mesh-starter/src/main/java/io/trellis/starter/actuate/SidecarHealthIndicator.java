package io.trellis.starter.actuate;

import io.trellis.starter.sidecar.SidecarAdminClient;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of the local sidecar, contributed as {@code sidecar}: UP while its admin
 * {@code /actuator/health} answers 200, DOWN with the address and the problem otherwise.
 * Deliberately not part of the readiness group: a sidecar hiccup on every instance at once
 * would otherwise take the whole service out of rotation.
 */
public class SidecarHealthIndicator implements HealthIndicator {

	private final SidecarAdminClient adminClient;

	public SidecarHealthIndicator(SidecarAdminClient adminClient) {
		this.adminClient = adminClient;
	}

	@Override
	public Health health() {
		SidecarAdminClient.Probe probe = this.adminClient.health();
		String address = this.adminClient.baseUri().toString();
		if (probe.healthy()) {
			return Health.up().withDetail("address", address).build();
		}
		return Health.down().withDetail("address", address).withDetail("error", String.valueOf(probe.problem())).build();
	}

}
