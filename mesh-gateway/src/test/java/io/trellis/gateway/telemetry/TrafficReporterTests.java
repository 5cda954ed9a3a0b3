package io.trellis.gateway.telemetry;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code mesh.proxy.telemetry.report-interval=0} sends no reports: the reporter does not start
 * at all (a zero-period timer would tick without pause: measured in S10 as 0.38x the
 * throughput and 2.9x the CPU per request before this was fixed).
 */
class TrafficReporterTests {

	@Test
	void aZeroIntervalStartsNoTimer() {
		TrafficReporter reporter = new TrafficReporter(null, null, new TrafficCounters(), Duration.ZERO);
		reporter.start();
		assertThat(reporter.isRunning()).isFalse();
		reporter.stop();
	}

	@Test
	void aPositiveIntervalStartsTheTimerAndStopStopsIt() {
		TrafficReporter reporter = new TrafficReporter(null, null, new TrafficCounters(), Duration.ofHours(1));
		reporter.start();
		assertThat(reporter.isRunning()).isTrue();
		reporter.stop();
		assertThat(reporter.isRunning()).isFalse();
	}

}
