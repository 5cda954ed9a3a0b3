package io.trellis.gateway.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.LivenessState;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Watches the event loops that carry the traffic from the control thread, as Envoy's watchdog
 * watches its workers. Every interval it hands each loop a task that only notes when it ran:
 * <ul>
 * <li>the time from handing it over to its run is the loop's lag, recorded as
 * {@code trellis.event.loop.lag} (how long any new request waits before the loop gets to it);</li>
 * <li>a task still not run after {@code stuckAfter} means the loop is stuck (a blocking call in a
 * filter, an endless loop): the watchdog logs the stuck thread's stack and sets the sidecar's
 * liveness to {@link LivenessState#BROKEN}, so that {@code /actuator/health/liveness} answers 503
 * and an orchestrator restarts it; once every loop runs its tasks again, liveness is
 * {@link LivenessState#CORRECT} again.</li>
 * </ul>
 * The admin listener runs on the control thread, not on these loops, so its probes are answered
 * at once whatever the traffic does; this is what keeps a liveness probe meaningful.
 */
public class EventLoopWatchdog implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(EventLoopWatchdog.class);

	private final Supplier<EventLoopGroup> traffic;

	private final ControlLoop control;

	private final ApplicationEventPublisher events;

	private final Duration interval;

	private final Duration stuckAfter;

	private final Timer lag;

	private final List<Watched> watched = new ArrayList<>();

	private volatile ScheduledFuture<?> ticks;

	/** Whether the watchdog has set liveness to broken (only the control thread writes it). */
	private volatile boolean broken;

	/**
	 * @param traffic the event loops to watch, resolved when the watchdog starts
	 * @param interval how often each loop is handed a task
	 * @param stuckAfter how long a task may wait before its loop counts as stuck
	 * @param meters where the lag is recorded; null for nowhere
	 */
	public EventLoopWatchdog(Supplier<EventLoopGroup> traffic, ControlLoop control, ApplicationEventPublisher events,
			Duration interval, Duration stuckAfter, MeterRegistry meters) {
		this.traffic = traffic;
		this.control = control;
		this.events = events;
		this.interval = interval;
		this.stuckAfter = stuckAfter;
		this.lag = (meters != null) ? Timer.builder("trellis.event.loop.lag")
			.description("Time from a task's hand-over to a traffic event loop to its run: how long a new request "
					+ "waits before the loop gets to it")
			.register(meters) : null;
	}

	@Override
	public void start() {
		this.watched.clear();
		for (EventExecutor loop : this.traffic.get()) {
			this.watched.add(new Watched(loop));
		}
		long period = this.interval.toNanos();
		this.ticks = this.control.executor().scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
	}

	/** One round, on the control thread: hands idle loops a task, and judges the ones that have one. */
	void tick() {
		long now = System.nanoTime() | 1; // never 0, which means "no task handed over"
		List<Watched> stuck = new ArrayList<>();
		for (Watched loop : this.watched) {
			long since = loop.handedOver;
			if (since == 0) {
				loop.handedOver = now;
				try {
					loop.executor.execute(() -> ran(loop, now));
				}
				catch (RejectedExecutionException ex) {
					// the loop is shutting down with the sidecar
					loop.handedOver = 0;
				}
			}
			else if (now - since >= this.stuckAfter.toNanos()) {
				stuck.add(loop);
			}
		}
		if (!stuck.isEmpty() && !this.broken) {
			for (Watched loop : stuck) {
				logger.error(describe(loop, now) + "; liveness set to BROKEN until it runs tasks again. Its stack:"
						+ stack(loop.thread));
			}
			AvailabilityChangeEvent.publish(this.events, this, LivenessState.BROKEN);
			this.broken = true;
		}
		else if (stuck.isEmpty() && this.broken) {
			logger.warn("Every traffic event loop runs its tasks again; liveness set to CORRECT");
			AvailabilityChangeEvent.publish(this.events, this, LivenessState.CORRECT);
			this.broken = false;
		}
	}

	private void ran(Watched loop, long handedOver) {
		loop.thread = Thread.currentThread();
		if (this.lag != null) {
			this.lag.record(System.nanoTime() - handedOver, TimeUnit.NANOSECONDS);
		}
		loop.handedOver = 0;
	}

	private String describe(Watched loop, long now) {
		Thread thread = loop.thread;
		return "Traffic event loop " + ((thread != null) ? "'" + thread.getName() + "'" : loop.executor)
				+ " has not run the task handed to it " + Duration.ofNanos(now - loop.handedOver).toMillis()
				+ " ms ago (mesh.proxy.watchdog.stuck-after=" + this.stuckAfter.toMillis() + "ms): something "
				+ "running on it blocks or does not end";
	}

	private static String stack(Thread thread) {
		if (thread == null) {
			return " (unknown: the loop has not run a task since the sidecar started)";
		}
		StringBuilder text = new StringBuilder();
		for (StackTraceElement frame : thread.getStackTrace()) {
			text.append(System.lineSeparator()).append("\tat ").append(frame);
		}
		return text.toString();
	}

	/** Whether the watchdog holds liveness broken now. */
	public boolean isBroken() {
		return this.broken;
	}

	@Override
	public void stop() {
		ScheduledFuture<?> ticks = this.ticks;
		if (ticks != null) {
			ticks.cancel(false);
			this.ticks = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.ticks != null;
	}

	/** A watched loop: when its pending task was handed over (0 for none), and its thread once known. */
	private static final class Watched {

		final EventExecutor executor;

		volatile long handedOver;

		volatile Thread thread;

		Watched(EventExecutor executor) {
			this.executor = executor;
		}

	}

}
