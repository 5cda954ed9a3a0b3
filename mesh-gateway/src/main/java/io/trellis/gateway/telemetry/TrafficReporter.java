package io.trellis.gateway.telemetry;

import java.time.Duration;
import java.util.List;

import io.trellis.core.telemetry.EdgeTraffic;
import io.trellis.core.telemetry.TrafficReport;
import io.trellis.gateway.controlplane.ControlPlaneClient;
import io.trellis.gateway.controlplane.LocalInstance;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;

/**
 * Sends the control plane, every report interval, the traffic the sidecar carried since the last
 * report ({@link TrafficReport}), which its dashboard shows. A report that cannot be sent is not
 * kept: the dashboard is a live view, and the metrics on the admin listener hold the totals.
 * Intervals without traffic send nothing after the first one.
 */
public class TrafficReporter implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(TrafficReporter.class);

	private final ControlPlaneClient client;

	private final LocalInstance local;

	private final TrafficCounters counters;

	private final Duration interval;

	private volatile Disposable loop;

	private volatile long last = System.nanoTime();

	private volatile boolean lastEmpty;

	private volatile String lastProblem;

	public TrafficReporter(ControlPlaneClient client, LocalInstance local, TrafficCounters counters, Duration interval) {
		this.client = client;
		this.local = local;
		this.counters = counters;
		this.interval = interval;
	}

	@Override
	public void start() {
		if (this.interval.isZero()) {
			// mesh.proxy.telemetry.report-interval=0: no reports (and no timer ticking without pause).
			return;
		}
		this.last = System.nanoTime();
		this.loop = Flux.interval(this.interval, this.interval, Schedulers.parallel())
			.onBackpressureDrop()
			.concatMap((tick) -> Mono.defer(this::report).onErrorResume((ex) -> Mono.empty()), 1)
			.subscribe();
	}

	Mono<Void> report() {
		long now = System.nanoTime();
		List<EdgeTraffic> edges = this.counters.drain();
		long intervalMillis = Math.max(1, (now - this.last) / 1_000_000);
		this.last = now;
		if (edges.isEmpty() && this.lastEmpty) {
			return Mono.empty();
		}
		this.lastEmpty = edges.isEmpty();
		TrafficReport report = new TrafficReport(this.local.sidecarId(), this.local.service(), this.local.instanceId(),
				intervalMillis, edges);
		return this.client.reportTraffic(report).doOnSuccess((v) -> this.lastProblem = null).onErrorResume((ex) -> {
			String problem = "Could not send the traffic report to the control plane: " + ex.getMessage();
			if (!problem.equals(this.lastProblem)) {
				logger.info(problem + " (further failures alike are not logged)");
				this.lastProblem = problem;
			}
			return Mono.empty();
		});
	}

	@Override
	public void stop() {
		Disposable loop = this.loop;
		if (loop != null) {
			loop.dispose();
			this.loop = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.loop != null;
	}

}
