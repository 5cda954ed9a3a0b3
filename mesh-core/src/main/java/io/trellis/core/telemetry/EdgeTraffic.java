package io.trellis.core.telemetry;

/**
 * What one sidecar saw of the traffic between its local service and one peer during one
 * report interval.
 *
 * @param direction {@code outbound} (the local service called {@code peer}) or {@code inbound}
 * ({@code peer} called the local service; {@code unknown} when the caller did not come through
 * a sidecar)
 * @param peer the other service
 * @param requests requests completed in the interval
 * @param failures those of them that failed: a 5xx status (the application's or the mesh's) or
 * no response at all
 * @param latency counts of their durations by {@link LatencyBuckets} bucket
 */
public record EdgeTraffic(String direction, String peer, long requests, long failures, long[] latency) {

	public static final String OUTBOUND = "outbound";

	public static final String INBOUND = "inbound";

	public EdgeTraffic {
		if (latency == null || latency.length != LatencyBuckets.COUNT) {
			throw new IllegalArgumentException(
					"latency needs " + LatencyBuckets.COUNT + " bucket counts, got " + ((latency != null) ? latency.length : 0));
		}
	}

}
