package io.trellis.configserver.telemetry;

import io.trellis.core.telemetry.LatencyBuckets;

/**
 * Counts added up over the reports of a window.
 *
 * @param requests requests completed
 * @param failures those of them that failed (5xx or no response)
 * @param latency their durations, counted by {@link LatencyBuckets} bucket
 */
public record TrafficTotals(long requests, long failures, long[] latency) {

	/** No requests. */
	public static TrafficTotals empty() {
		return new TrafficTotals(0, 0, new long[LatencyBuckets.COUNT]);
	}

	/** These counts and {@code other}'s together. */
	public TrafficTotals plus(TrafficTotals other) {
		long[] sum = this.latency.clone();
		for (int i = 0; i < sum.length; i++) {
			sum[i] += other.latency[i];
		}
		return new TrafficTotals(this.requests + other.requests, this.failures + other.failures, sum);
	}

}
