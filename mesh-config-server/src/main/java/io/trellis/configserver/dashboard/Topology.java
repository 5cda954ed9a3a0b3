package io.trellis.configserver.dashboard;

import java.time.Instant;
import java.util.List;

import io.trellis.core.sync.SidecarStatus.PolicySync;
import io.trellis.core.sync.SyncState;

/**
 * The mesh as the dashboard shows it ({@code GET /mesh/v1/topology}): services, the traffic
 * between them over the window, and each sidecar's sync state.
 *
 * @param generatedAt when it was computed
 * @param windowSeconds the time the traffic figures are computed over
 * @param services every service known from the registry, the policy repository, sync status or
 * traffic reports, and the node for callers without a sidecar when they called
 * @param edges the traffic between services, one per source and destination
 * @param sidecars every sidecar known from sync status or traffic reports
 */
public record Topology(Instant generatedAt, long windowSeconds, List<ServiceNode> services, List<Edge> edges,
		List<SidecarNode> sidecars) {

	/** The name of the node standing for callers without a sidecar; no valid service name. */
	public static final String OUTSIDE = "(outside)";

	/**
	 * A service, or the node for outside callers.
	 *
	 * @param name the service, or {@link #OUTSIDE}
	 * @param outside whether this is the node for callers without a sidecar
	 * @param instances instances the registry holds
	 * @param sidecars sidecars of the service that reported sync status or traffic
	 * @param policy the policy served for it, null for the outside node
	 */
	public record ServiceNode(String name, boolean outside, int instances, int sidecars, PolicySummary policy) {
	}

	/**
	 * @param version the version served
	 * @param ownFile whether it has a policy file of its own (else the mesh-wide defaults)
	 * @param valid whether the repository's latest content for it was valid (else an older
	 * version is being served)
	 */
	public record PolicySummary(String version, boolean ownFile, boolean valid) {
	}

	/**
	 * Traffic from one service to another over the window.
	 *
	 * @param source the calling service, or {@link #OUTSIDE}
	 * @param destination the called service
	 * @param reportedBy {@code outbound} when the figures come from the callers' sidecars,
	 * {@code inbound} when from the destination's (callers without a sidecar, or whose sidecars
	 * report nothing)
	 * @param requests requests completed within the window
	 * @param failures those that failed: 5xx or no response
	 * @param requestsPerSecond requests per second, each sidecar's count over the time its
	 * reports cover, added up over the sidecars
	 * @param successRate the share of requests that did not fail, from 0 to 1; null without
	 * requests
	 * @param p99Millis the 99th percentile latency in milliseconds; null without requests
	 */
	public record Edge(String source, String destination, String reportedBy, long requests, long failures,
			double requestsPerSecond, Double successRate, Double p99Millis) {
	}

	/**
	 * A sidecar: its sync state and when it last reported traffic.
	 *
	 * @param sidecar its id
	 * @param service the service of its local app
	 * @param instance the instance id of its local app
	 * @param state its overall sync state; null when it sent traffic reports but no sync status
	 * @param lastSeen when it last contacted the control plane for policy; null as for state
	 * @param lastTrafficReport when its last traffic report within the window arrived, or null
	 * @param policies the version of each service's policy it runs against what is served
	 */
	public record SidecarNode(String sidecar, String service, String instance, SyncState state, Instant lastSeen,
			Instant lastTrafficReport, List<PolicySync> policies) {
	}

}
