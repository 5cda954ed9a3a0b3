package io.trellis.gateway.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;

import static org.assertj.core.api.Assertions.assertThat;

class EventLoopWatchdogTests {

	@Test
	void aLoopThatStopsRunningTasksBreaksLivenessUntilItRunsThemAgainAndItsLagIsRecorded() throws Exception {
		EventLoopGroup traffic = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
		ControlLoop control = new ControlLoop();
		List<Object> events = new CopyOnWriteArrayList<>();
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		EventLoopWatchdog watchdog = new EventLoopWatchdog(() -> traffic, control, events::add,
				Duration.ofMillis(50), Duration.ofMillis(300), meters);
		CountDownLatch release = new CountDownLatch(1);
		try {
			watchdog.start();
			Timer lag = meters.get("trellis.event.loop.lag").timer();
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> lag.count() >= 3);
			assertThat(events).isEmpty();
			assertThat(watchdog.isBroken()).isFalse();
			traffic.execute(() -> {
				// busy, not blocked: BlockHound refuses a blocking wait on an event loop
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
				while (release.getCount() > 0 && System.nanoTime() < deadline) {
					// spin
				}
			});
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(watchdog::isBroken);
			assertThat(events).singleElement()
				.satisfies((event) -> assertThat(((AvailabilityChangeEvent<?>) event).getState())
					.isEqualTo(LivenessState.BROKEN));
			release.countDown();
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !watchdog.isBroken());
			assertThat(events).hasSize(2);
			assertThat(((AvailabilityChangeEvent<?>) events.get(1)).getState()).isEqualTo(LivenessState.CORRECT);
			// the task that waited behind the busy loop was recorded with its wait
			assertThat(lag.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300);
		}
		finally {
			release.countDown();
			watchdog.stop();
			control.destroy();
			traffic.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
		}
		assertThat(watchdog.isRunning()).isFalse();
	}

}
