package io.trellis.gateway.metrics;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The resilience counters of the sidecar, by destination service, on its admin listener's
 * Prometheus endpoint. The destination tag takes only the names of services this sidecar calls,
 * and the reason tag only the mesh's own error reasons, so cardinality stays bounded.
 * <ul>
 * <li>{@code trellis.mesh.errors{destination,reason}}: answers the mesh made itself
 * ({@code x-trellis-error});</li>
 * <li>{@code trellis.retries{destination,route}}: retries sent;</li>
 * <li>{@code trellis.retry.budget.exhausted{destination,route}}: retries the budget refused;</li>
 * <li>{@code trellis.outlier.ejections{destination}}: endpoints ejected;</li>
 * <li>{@code trellis.health.checks{destination,result}}: active health checks, {@code passed}
 * or {@code failed};</li>
 * <li>{@code trellis.mirror.requests{destination,result}}: mirrored copies, by result
 * ({@code answered}, {@code failed}, {@code dropped}, {@code skipped}, {@code no-endpoints});</li>
 * <li>{@code trellis.faults.injected{destination,type}}: faults injected by policy, {@code delay}
 * or {@code abort};</li>
 * <li>{@code trellis.health.transitions{destination,to}}: endpoints found {@code unhealthy} by
 * their checks, or {@code healthy} again;</li>
 * <li>{@code trellis.rate.limited{service}}: requests to the local service its inbound rate limit
 * refused (not tagged by caller: the caller's name comes from a request header);</li>
 * <li>{@code trellis.concurrency.limited{destination,outcome}}: calls the destination's
 * concurrency limit made wait ({@code queued}) or refused ({@code rejected}).</li>
 * </ul>
 */
public class MeshMetrics {

	/** Counts nothing: for tests and sidecars without a registry. */
	public static final MeshMetrics NONE = new MeshMetrics(null);

	private final MeterRegistry registry;

	public MeshMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	public void meshError(String destination, String reason) {
		if (this.registry != null) {
			this.registry.counter("trellis.mesh.errors", "destination", tag(destination), "reason", reason).increment();
		}
	}

	public void retry(String destination, String route) {
		if (this.registry != null) {
			this.registry.counter("trellis.retries", "destination", tag(destination), "route", tag(route)).increment();
		}
	}

	public void retryBudgetExhausted(String destination, String route) {
		if (this.registry != null) {
			this.registry.counter("trellis.retry.budget.exhausted", "destination", tag(destination), "route", tag(route))
				.increment();
		}
	}

	public void ejection(String destination) {
		if (this.registry != null) {
			this.registry.counter("trellis.outlier.ejections", "destination", tag(destination)).increment();
		}
	}

	public void healthCheck(String destination, boolean passed) {
		if (this.registry != null) {
			this.registry.counter("trellis.health.checks", "destination", tag(destination), "result",
					passed ? "passed" : "failed").increment();
		}
	}

	public void healthTransition(String destination, boolean healthy) {
		if (this.registry != null) {
			this.registry.counter("trellis.health.transitions", "destination", tag(destination), "to",
					healthy ? "healthy" : "unhealthy").increment();
		}
	}

	public void mirror(String destination, String result) {
		if (this.registry != null) {
			this.registry.counter("trellis.mirror.requests", "destination", tag(destination), "result", result)
				.increment();
		}
	}

	public void fault(String destination, String type) {
		if (this.registry != null) {
			this.registry.counter("trellis.faults.injected", "destination", tag(destination), "type", type).increment();
		}
	}

	public void rateLimited(String service) {
		if (this.registry != null) {
			this.registry.counter("trellis.rate.limited", "service", tag(service)).increment();
		}
	}

	public void concurrencyLimited(String destination, boolean rejected) {
		if (this.registry != null) {
			this.registry.counter("trellis.concurrency.limited", "destination", tag(destination), "outcome",
					rejected ? "rejected" : "queued").increment();
		}
	}

	private static String tag(String destination) {
		return (destination != null) ? destination : "none";
	}

}
