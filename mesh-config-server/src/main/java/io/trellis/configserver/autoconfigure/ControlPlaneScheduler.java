package io.trellis.configserver.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.registry.ServiceRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Runs the control plane's periodic work on one daemon thread: scanning the policy repository
 * for changes and expiring silent instances. The first scan runs during startup, so invalid
 * policy is reported before the server takes traffic.
 */
class ControlPlaneScheduler implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ControlPlaneScheduler.class);

	private final PolicyStore policies;

	private final ServiceRegistry registry;

	private final Duration pollInterval;

	private final Duration sweepInterval;

	private volatile ScheduledExecutorService executor;

	ControlPlaneScheduler(PolicyStore policies, ServiceRegistry registry, Duration pollInterval,
			Duration sweepInterval) {
		this.policies = policies;
		this.registry = registry;
		this.pollInterval = pollInterval;
		this.sweepInterval = sweepInterval;
	}

	@Override
	public void start() {
		this.policies.scan();
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "trellis-control-plane");
			thread.setDaemon(true);
			return thread;
		});
		executor.scheduleWithFixedDelay(guarded("policy scan", this.policies::scan), this.pollInterval.toMillis(),
				this.pollInterval.toMillis(), TimeUnit.MILLISECONDS);
		executor.scheduleWithFixedDelay(guarded("registry sweep", this.registry::expire),
				this.sweepInterval.toMillis(), this.sweepInterval.toMillis(), TimeUnit.MILLISECONDS);
		this.executor = executor;
	}

	@Override
	public void stop() {
		ScheduledExecutorService executor = this.executor;
		if (executor != null) {
			executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

	@Override
	public int getPhase() {
		// Before the web server starts taking requests.
		return SmartLifecycle.DEFAULT_PHASE - 2048;
	}

	private static Runnable guarded(String name, Runnable task) {
		return () -> {
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				logger.warn("Control plane " + name + " failed: " + ex.getMessage(), ex);
			}
		};
	}

}
