package io.trellis.configserver.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.registry.ServiceRegistry;
import io.trellis.configserver.watch.WatchHub;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the control plane's periodic work on daemon threads: scanning the policy repository
 * for changes (at once on a file system event in a policy directory, else every poll
 * interval) and expiring silent instances. The first scan runs during startup, so invalid
 * policy is reported before the server takes traffic.
 */
class ControlPlaneScheduler implements SmartLifecycle, SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(ControlPlaneScheduler.class);

	/** How long file system events must stop before the scan they trigger. */
	private static final Duration QUIET_PERIOD = Duration.ofMillis(20);

	private final PolicyStore policies;

	private final ServiceRegistry registry;

	private final WatchHub watchHub;

	private final Duration pollInterval;

	private final boolean watchFiles;

	private final Duration sweepInterval;

	private volatile PolicyDirectoryWatcher directoryWatcher;

	private volatile ScheduledExecutorService scans;

	private volatile ScheduledExecutorService sweeps;

	ControlPlaneScheduler(PolicyStore policies, ServiceRegistry registry, WatchHub watchHub, Duration pollInterval,
			boolean watchFiles, Duration sweepInterval) {
		this.policies = policies;
		this.registry = registry;
		this.watchHub = watchHub;
		this.pollInterval = pollInterval;
		this.watchFiles = watchFiles;
		this.sweepInterval = sweepInterval;
	}

	/**
	 * The first scan, before the web server takes requests, so no service with a policy file
	 * is ever served the defaults. A repository that cannot be read now (an unreachable git
	 * remote) is reported and retried; the control plane still starts.
	 */
	@Override
	public void afterSingletonsInstantiated() {
		guarded("policy scan", this.policies::scan).run();
	}

	@Override
	public void start() {
		// Separate threads, so a slow git fetch never delays expiring silent instances.
		ScheduledExecutorService scans = executor("trellis-policy-scan");
		scans.scheduleWithFixedDelay(guarded("policy scan", this.policies::scan), this.pollInterval.toMillis(),
				this.pollInterval.toMillis(), TimeUnit.MILLISECONDS);
		ScheduledExecutorService sweeps = executor("trellis-registry-sweep");
		sweeps.scheduleWithFixedDelay(guarded("registry sweep", this.registry::expire),
				this.sweepInterval.toMillis(), this.sweepInterval.toMillis(), TimeUnit.MILLISECONDS);
		long warmup = Duration.between(Instant.now(), this.watchHub.warmupUntil()).toMillis();
		sweeps.schedule(guarded("end of warm-up", this.watchHub::endWarmup), Math.max(0, warmup),
				TimeUnit.MILLISECONDS);
		if (this.watchFiles) {
			Runnable scan = guarded("policy scan", this.policies::scan);
			this.directoryWatcher = PolicyDirectoryWatcher.start(this.policies.directories(), () -> scans.execute(scan),
					QUIET_PERIOD);
		}
		this.scans = scans;
		this.sweeps = sweeps;
	}

	/**
	 * Stops expiring instances and answers every held watch with nothing to apply, before the
	 * web server's graceful shutdown: heartbeats no longer arrive then, and expiring the
	 * instances would tell every sidecar its destinations have no endpoints.
	 */
	@Override
	public void stop() {
		this.watchHub.release();
		PolicyDirectoryWatcher watcher = this.directoryWatcher;
		if (watcher != null) {
			watcher.close();
			this.directoryWatcher = null;
		}
		for (ScheduledExecutorService executor : new ScheduledExecutorService[] { this.scans, this.sweeps }) {
			if (executor != null) {
				executor.shutdownNow();
			}
		}
		this.scans = null;
		this.sweeps = null;
	}

	private static ScheduledExecutorService executor(String name) {
		return Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		});
	}

	@Override
	public boolean isRunning() {
		return this.scans != null;
	}

	@Override
	public int getPhase() {
		// Stops before the web server's graceful shutdown (DEFAULT_PHASE - 1024).
		return SmartLifecycle.DEFAULT_PHASE - 512;
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
