package io.trellis.gateway.telemetry;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final RequestMetrics metrics = new RequestMetrics(this.registry);

	@Test
	void eachRequestIsTimedUnderItsOwnTagsWhateverTheRequestBeforeHad() {
		this.metrics.record("outbound", "web", "orders", "r1", "all", 200, 1_000_000);
		this.metrics.record("outbound", "web", "orders", "r1", "all", 201, 2_000_000);
		this.metrics.record("outbound", "web", "orders", "r1", "all", 503, 3_000_000);
		this.metrics.record("outbound", "web", "orders", "r2", "all", 200, 4_000_000);
		this.metrics.record("outbound", "web", "orders", "r2", "v2", 200, 5_000_000);
		this.metrics.record("outbound", "web", "stock", "r2", "v2", 200, 6_000_000);
		this.metrics.record("inbound", "web", "stock", "r2", "v2", 200, 7_000_000);
		this.metrics.record("inbound", "api", "stock", "r2", "v2", 200, 8_000_000);
		this.metrics.record("outbound", "web", "orders", "r1", "all", 204, 9_000_000);

		assertThat(timer("outbound", "web", "orders", "r1", "all", "2xx").count()).isEqualTo(3);
		assertThat(timer("outbound", "web", "orders", "r1", "all", "2xx").totalTime(java.util.concurrent.TimeUnit.MILLISECONDS))
			.isEqualTo(12.0);
		assertThat(timer("outbound", "web", "orders", "r1", "all", "5xx").count()).isEqualTo(1);
		assertThat(timer("outbound", "web", "orders", "r2", "all", "2xx").count()).isEqualTo(1);
		assertThat(timer("outbound", "web", "orders", "r2", "v2", "2xx").count()).isEqualTo(1);
		assertThat(timer("outbound", "web", "stock", "r2", "v2", "2xx").count()).isEqualTo(1);
		assertThat(timer("inbound", "web", "stock", "r2", "v2", "2xx").count()).isEqualTo(1);
		assertThat(timer("inbound", "api", "stock", "r2", "v2", "2xx").count()).isEqualTo(1);
		assertThat(this.registry.find(RequestMetrics.NAME).timers()).hasSize(7);
	}

	private Timer timer(String direction, String source, String destination, String route, String subset,
			String statusClass) {
		return this.registry.get(RequestMetrics.NAME)
			.tag("direction", direction)
			.tag("source", source)
			.tag("destination", destination)
			.tag("route", route)
			.tag("subset", subset)
			.tag("status_class", statusClass)
			.timer();
	}

}
