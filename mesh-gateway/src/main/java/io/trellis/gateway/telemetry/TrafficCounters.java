package io.trellis.gateway.telemetry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

import io.trellis.core.telemetry.EdgeTraffic;
import io.trellis.core.telemetry.LatencyBuckets;

/**
 * Counts requests per direction and peer service between two traffic reports: requests,
 * failures and latency buckets, taken and reset by {@link #drain()}.
 */
public class TrafficCounters {

	private final Map<Edge, Counts> edges = new ConcurrentHashMap<>();

	void record(String direction, String peer, boolean failed, long nanos) {
		Edge edge = new Edge(direction, peer);
		Counts counts = this.edges.get(edge);
		if (counts == null) {
			counts = this.edges.computeIfAbsent(edge, (key) -> new Counts());
		}
		counts.requests.increment();
		if (failed) {
			counts.failures.increment();
		}
		counts.latency.incrementAndGet(LatencyBuckets.indexOf(nanos));
	}

	/** The counts since the last drain, one entry per edge that had requests; counters restart at 0. */
	public List<EdgeTraffic> drain() {
		List<EdgeTraffic> drained = new ArrayList<>();
		for (Map.Entry<Edge, Counts> entry : this.edges.entrySet()) {
			Counts counts = entry.getValue();
			long requests = counts.requests.sumThenReset();
			long failures = counts.failures.sumThenReset();
			long[] latency = new long[LatencyBuckets.COUNT];
			for (int i = 0; i < latency.length; i++) {
				latency[i] = counts.latency.getAndSet(i, 0);
			}
			if (requests > 0) {
				drained.add(new EdgeTraffic(entry.getKey().direction(), entry.getKey().peer(), requests,
						Math.min(failures, requests), latency));
			}
		}
		return drained;
	}

	private record Edge(String direction, String peer) {
	}

	private static final class Counts {

		final LongAdder requests = new LongAdder();

		final LongAdder failures = new LongAdder();

		final AtomicLongArray latency = new AtomicLongArray(LatencyBuckets.COUNT);

	}

}
