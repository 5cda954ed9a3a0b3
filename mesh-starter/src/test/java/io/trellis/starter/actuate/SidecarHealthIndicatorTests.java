package io.trellis.starter.actuate;

import java.io.IOException;

import io.trellis.starter.sidecar.SidecarAdminClient;
import io.trellis.starter.standin.StandInAdminListener;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

class SidecarHealthIndicatorTests {

	@AutoClose
	private StandInAdminListener admin;

	@BeforeEach
	void startAdmin() throws IOException {
		this.admin = StandInAdminListener.start();
	}

	@Test
	void upWhenSidecarHealthAnswers200() {
		Health health = new SidecarHealthIndicator(new SidecarAdminClient("127.0.0.1", this.admin.port())).health();
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("address", "http://127.0.0.1:" + this.admin.port());
		assertThat(this.admin.healthChecks()).isEqualTo(1);
	}

	@Test
	void downWithAddressAndStatusWhenSidecarIsNotReady() {
		this.admin.healthStatus(503);
		Health health = new SidecarHealthIndicator(new SidecarAdminClient("127.0.0.1", this.admin.port())).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("address", "http://127.0.0.1:" + this.admin.port())
			.containsEntry("error", "HTTP 503");
	}

	@Test
	void downWithAddressAndErrorWhenNothingListens() throws IOException {
		int port = StandInAdminListener.unusedPort();
		Health health = new SidecarHealthIndicator(new SidecarAdminClient("127.0.0.1", port)).health();
		assertThat(health.getStatus()).isEqualTo(Status.DOWN);
		assertThat(health.getDetails()).containsEntry("address", "http://127.0.0.1:" + port)
			.containsEntry("error", "connection refused");
	}

}
