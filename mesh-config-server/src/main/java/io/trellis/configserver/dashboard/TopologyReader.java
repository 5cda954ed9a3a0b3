package io.trellis.configserver.dashboard;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import io.trellis.configserver.dashboard.Topology.Edge;
import io.trellis.configserver.dashboard.Topology.PolicySummary;
import io.trellis.configserver.dashboard.Topology.ServiceNode;
import io.trellis.configserver.dashboard.Topology.SidecarNode;
import io.trellis.configserver.policy.PolicyStatus;
import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.registry.ServiceRegistry;
import io.trellis.configserver.status.SyncStatusRegistry;
import io.trellis.configserver.telemetry.TrafficKey;
import io.trellis.configserver.telemetry.TrafficStore;
import io.trellis.configserver.telemetry.TrafficStore.SidecarTraffic;
import io.trellis.configserver.telemetry.TrafficTotals;
import io.trellis.core.policy.ServiceNames;
import io.trellis.core.sync.SidecarStatus;
import io.trellis.core.telemetry.EdgeTraffic;
import io.trellis.core.telemetry.LatencyBuckets;

import org.springframework.cloud.config.environment.Environment;
import org.springframework.cloud.config.environment.PropertySource;

/**
 * Puts the mesh's topology together from the registry, the policy store, sync status and the
 * traffic reports. Edges come from the callers' outbound reports; the destination's inbound
 * reports stand in where no caller's sidecar reported the edge (callers without a sidecar
 * become {@link Topology#OUTSIDE}).
 */
public class TopologyReader {

	private final ServiceRegistry registry;

	private final PolicyStore policies;

	private final SyncStatusRegistry status;

	private final TrafficStore traffic;

	private final Clock clock;

	public TopologyReader(ServiceRegistry registry, PolicyStore policies, SyncStatusRegistry status,
			TrafficStore traffic, Clock clock) {
		this.registry = registry;
		this.policies = policies;
		this.status = status;
		this.traffic = traffic;
		this.clock = clock;
	}

	public Topology topology() {
		List<SidecarTraffic> reports = this.traffic.snapshot();
		List<SidecarStatus> statuses = this.status.statuses();
		List<Edge> edges = edges(reports);
		List<SidecarNode> sidecars = sidecars(statuses, reports);
		return new Topology(this.clock.instant(), this.traffic.getWindow().toSeconds(), services(edges, sidecars),
				edges, sidecars);
	}

	/** The policy served for a service. */
	public ServicePolicy policy(String service) {
		ServiceNames.requireValid(service);
		Environment environment = this.policies.environment(service);
		Map<String, Object> properties = new TreeMap<>();
		List<String> files = new ArrayList<>();
		// Config Server lists the source that wins first.
		for (PropertySource source : environment.getPropertySources()) {
			files.add(fileName(source.getName()));
			source.getSource().forEach((key, value) -> properties.putIfAbsent(String.valueOf(key), value));
		}
		PolicyStatus status = policyStatuses().get(service);
		boolean ownFile = this.policies.hasOwnFile(service);
		return new ServicePolicy(service, this.policies.version(service), ownFile,
				!ownFile || status == null || status.valid(), (status != null) ? status.errors() : List.of(), files,
				properties);
	}

	private static String fileName(String source) {
		String name = source.replace('\\', '/');
		return name.substring(name.lastIndexOf('/') + 1);
	}

	private Map<String, PolicyStatus> policyStatuses() {
		Map<String, PolicyStatus> byService = new HashMap<>();
		for (PolicyStatus status : this.policies.statuses()) {
			byService.put(status.service(), status);
		}
		return byService;
	}

	private static List<Edge> edges(List<SidecarTraffic> reports) {
		Map<Pair, EdgeSum> outbound = new TreeMap<>();
		Map<Pair, EdgeSum> inbound = new TreeMap<>();
		for (SidecarTraffic sidecar : reports) {
			sidecar.edges().forEach((key, totals) -> {
				if (key.outbound()) {
					outbound.computeIfAbsent(new Pair(sidecar.service(), key.peer()), (pair) -> new EdgeSum())
						.add(sidecar, totals);
				}
				else {
					inbound.computeIfAbsent(new Pair(source(key), sidecar.service()), (pair) -> new EdgeSum())
						.add(sidecar, totals);
				}
			});
		}
		Map<Pair, Edge> edges = new TreeMap<>();
		outbound.forEach((pair, sum) -> edges.put(pair, sum.edge(pair, EdgeTraffic.OUTBOUND)));
		inbound.forEach((pair, sum) -> edges.putIfAbsent(pair, sum.edge(pair, EdgeTraffic.INBOUND)));
		return new ArrayList<>(edges.values());
	}

	private static String source(TrafficKey key) {
		return TrafficStore.UNKNOWN_PEER.equals(key.peer()) ? Topology.OUTSIDE : key.peer();
	}

	private static List<SidecarNode> sidecars(List<SidecarStatus> statuses, List<SidecarTraffic> reports) {
		Map<String, SidecarTraffic> trafficById = new HashMap<>();
		for (SidecarTraffic report : reports) {
			trafficById.put(report.sidecar(), report);
		}
		List<SidecarNode> sidecars = new ArrayList<>();
		for (SidecarStatus status : statuses) {
			SidecarTraffic report = trafficById.remove(status.sidecar());
			sidecars.add(new SidecarNode(status.sidecar(), status.service(), status.instance(), status.state(),
					status.lastSeen(), (report != null) ? report.lastReport() : null, status.policies()));
		}
		for (SidecarTraffic report : trafficById.values()) {
			sidecars.add(new SidecarNode(report.sidecar(), report.service(), report.instance(), null, null,
					report.lastReport(), List.of()));
		}
		sidecars.sort(Comparator.comparing(SidecarNode::service).thenComparing(SidecarNode::sidecar));
		return sidecars;
	}

	private List<ServiceNode> services(List<Edge> edges, List<SidecarNode> sidecars) {
		Set<String> names = new TreeSet<>(this.registry.services());
		Map<String, PolicyStatus> statuses = policyStatuses();
		for (String service : statuses.keySet()) {
			if (!PolicyStore.DEFAULTS.equals(service)) {
				names.add(service);
			}
		}
		Map<String, Integer> sidecarCounts = new HashMap<>();
		for (SidecarNode sidecar : sidecars) {
			names.add(sidecar.service());
			sidecarCounts.merge(sidecar.service(), 1, Integer::sum);
		}
		boolean outside = false;
		for (Edge edge : edges) {
			outside |= Topology.OUTSIDE.equals(edge.source());
			if (!Topology.OUTSIDE.equals(edge.source())) {
				names.add(edge.source());
			}
			names.add(edge.destination());
		}
		List<ServiceNode> services = new ArrayList<>(names.size() + 1);
		if (outside) {
			services.add(new ServiceNode(Topology.OUTSIDE, true, 0, 0, null));
		}
		for (String name : names) {
			boolean ownFile = this.policies.hasOwnFile(name);
			PolicyStatus status = statuses.get(name);
			PolicySummary policy = new PolicySummary(this.policies.version(name), ownFile,
					!ownFile || status == null || status.valid());
			services.add(new ServiceNode(name, false, this.registry.endpoints(name).endpoints().size(),
					sidecarCounts.getOrDefault(name, 0), policy));
		}
		return services;
	}

	/** A source and a destination, ordered by source then destination. */
	private record Pair(String source, String destination) implements Comparable<Pair> {

		@Override
		public int compareTo(Pair other) {
			int bySource = this.source.compareTo(other.source);
			return (bySource != 0) ? bySource : this.destination.compareTo(other.destination);
		}

	}

	/** One edge's counts added up over the sidecars that reported it. */
	private static final class EdgeSum {

		private TrafficTotals totals = TrafficTotals.empty();

		private double requestsPerSecond;

		void add(SidecarTraffic sidecar, TrafficTotals counts) {
			this.totals = this.totals.plus(counts);
			this.requestsPerSecond += sidecar.perSecond(counts.requests());
		}

		Edge edge(Pair pair, String reportedBy) {
			long requests = this.totals.requests();
			Double successRate = (requests > 0) ? (requests - this.totals.failures()) / (double) requests : null;
			double p99 = LatencyBuckets.quantileMillis(this.totals.latency(), 0.99);
			return new Edge(pair.source(), pair.destination(), reportedBy, requests, this.totals.failures(),
					this.requestsPerSecond, successRate, Double.isNaN(p99) ? null : p99);
		}

	}

}
