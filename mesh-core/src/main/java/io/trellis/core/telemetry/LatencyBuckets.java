package io.trellis.core.telemetry;

import java.time.Duration;
import java.util.Arrays;

/**
 * The latency buckets the mesh counts requests into, shared by the sidecars' Prometheus
 * histograms ({@code trellis_requests_seconds_bucket}) and the traffic reports they send the
 * control plane, so a quantile read from either comes from the same bounds.
 */
public final class LatencyBuckets {

	/** Upper bounds of the buckets, in milliseconds; one more bucket counts everything slower. */
	private static final long[] BOUNDS_MILLIS = { 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 };

	/** Number of buckets: one per bound, plus the last one without a bound. */
	public static final int COUNT = BOUNDS_MILLIS.length + 1;

	private LatencyBuckets() {
	}

	/** The upper bounds as durations, for a Micrometer timer's service-level objectives. */
	public static Duration[] bounds() {
		return Arrays.stream(BOUNDS_MILLIS).mapToObj(Duration::ofMillis).toArray(Duration[]::new);
	}

	/** The upper bound of bucket {@code index} in milliseconds; {@link Long#MAX_VALUE} for the last. */
	public static long upperBoundMillis(int index) {
		return (index < BOUNDS_MILLIS.length) ? BOUNDS_MILLIS[index] : Long.MAX_VALUE;
	}

	/** The bucket a duration of {@code nanos} falls in. */
	public static int indexOf(long nanos) {
		for (int i = 0; i < BOUNDS_MILLIS.length; i++) {
			if (nanos <= BOUNDS_MILLIS[i] * 1_000_000L) {
				return i;
			}
		}
		return BOUNDS_MILLIS.length;
	}

	/**
	 * The {@code q} quantile of the counts (one per bucket), in milliseconds, interpolated
	 * linearly inside its bucket as Prometheus' {@code histogram_quantile} does; the last bucket
	 * has no upper bound and answers its lower bound. {@code NaN} when the counts are all 0.
	 */
	public static double quantileMillis(long[] counts, double q) {
		if (counts.length != COUNT) {
			throw new IllegalArgumentException("expected " + COUNT + " bucket counts, got " + counts.length);
		}
		long total = 0;
		for (long count : counts) {
			total += count;
		}
		if (total == 0) {
			return Double.NaN;
		}
		double rank = q * total;
		long below = 0;
		for (int i = 0; i < COUNT; i++) {
			long count = counts[i];
			if (count > 0 && below + count >= rank) {
				double lower = (i == 0) ? 0 : BOUNDS_MILLIS[i - 1];
				if (i == BOUNDS_MILLIS.length) {
					return lower;
				}
				double upper = BOUNDS_MILLIS[i];
				return lower + (upper - lower) * ((rank - below) / count);
			}
			below += count;
		}
		return BOUNDS_MILLIS[BOUNDS_MILLIS.length - 1];
	}

}
