package io.trellis.starter.sidecar;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Holds application startup until the local sidecar reports healthy, so that the application
 * neither serves traffic nor starts listeners that call other services while its own calls
 * would fail. Bounded by the startup timeout; on timeout it logs a warning or, when so
 * configured, fails startup.
 * <p>
 * Runs as an early {@link SmartLifecycle} phase: on the thread that refreshes the context
 * (never an event loop), after beans exist and before the embedded web server opens its port,
 * for servlet and reactive applications alike, and well before the application is ready.
 */
public class SidecarStartupWait implements SmartLifecycle {

	/**
	 * Phase of the wait: before the embedded web server starts ({@code DEFAULT_PHASE - 2048}),
	 * message listener containers and components in the default phase, with room for
	 * anything that must start earlier.
	 */
	public static final int PHASE = Integer.MIN_VALUE + 1000;

	/** Time between health checks. */
	public static final Duration POLL_INTERVAL = Duration.ofMillis(200);

	private static final Duration MIN_REQUEST_TIMEOUT = Duration.ofMillis(100);

	private static final Log logger = LogFactory.getLog(SidecarStartupWait.class);

	private final SidecarAdminClient adminClient;

	private final Duration timeout;

	private final boolean failOnTimeout;

	private volatile boolean running;

	/**
	 * @param adminClient the client of the sidecar's admin listener
	 * @param timeout maximum wait; zero means no wait at all
	 * @param failOnTimeout whether to fail startup rather than warn when the wait times out
	 */
	public SidecarStartupWait(SidecarAdminClient adminClient, Duration timeout, boolean failOnTimeout) {
		this.adminClient = adminClient;
		this.timeout = timeout;
		this.failOnTimeout = failOnTimeout;
	}

	@Override
	public void start() {
		this.running = true;
		if (this.timeout.isZero() || this.timeout.isNegative()) {
			return;
		}
		long started = System.nanoTime();
		long deadline = started + this.timeout.toNanos();
		String address = this.adminClient.baseUri().toString();
		String problem = "not checked";
		boolean announced = false;
		while (!Thread.currentThread().isInterrupted()) {
			SidecarAdminClient.Probe probe = this.adminClient.health(requestTimeout(deadline));
			if (probe.healthy()) {
				if (announced) {
					logger.info("Trellis sidecar at " + address + " is healthy after "
							+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) + " ms");
				}
				return;
			}
			problem = probe.problem();
			if (!announced) {
				logger.info("Waiting up to " + this.timeout.toMillis() + " ms for the Trellis sidecar at " + address
						+ " to report healthy (" + problem + ")");
				announced = true;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				break;
			}
			pause(Math.min(remaining, POLL_INTERVAL.toNanos()));
		}
		timedOut(address, problem);
	}

	private static Duration requestTimeout(long deadline) {
		// A check never outlasts the wait by much, and never gets too little time to answer.
		long remaining = deadline - System.nanoTime();
		long bounded = Math.min(remaining, SidecarAdminClient.DEFAULT_REQUEST_TIMEOUT.toNanos());
		return Duration.ofNanos(Math.max(bounded, MIN_REQUEST_TIMEOUT.toNanos()));
	}

	private void timedOut(String address, String problem) {
		if (this.failOnTimeout) {
			throw new SidecarStartupTimeoutException(address, this.timeout, problem);
		}
		logger.warn(SidecarStartupTimeoutException.describe(address, this.timeout, problem)
				+ "; continuing startup. Calls to mesh services fail until the sidecar is up.");
	}

	private static void pause(long nanos) {
		try {
			TimeUnit.NANOSECONDS.sleep(nanos);
		}
		catch (InterruptedException ex) {
			// Stop waiting but keep the interrupt for whoever asked for it.
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
