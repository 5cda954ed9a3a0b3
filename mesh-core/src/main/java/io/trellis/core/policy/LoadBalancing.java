package io.trellis.core.policy;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * How a caller's sidecar spreads requests over a service's endpoints
 * ({@code mesh.policy.load-balancer}).
 *
 * @param type the algorithm
 * @param decay peak-EWMA: how fast the latency estimate forgets; an endpoint not called for
 * this long has its estimate fall to about a third (as Linkerd's proxy, 10 s by default)
 * @param defaultRtt peak-EWMA: the latency assumed of an endpoint before its first response
 * (30 ms by default, as Linkerd's proxy)
 */
public record LoadBalancing(Type type, Duration decay, Duration defaultRtt) {

	/** Decay when policy sets none. */
	public static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);

	/** Latency assumed of a new endpoint when policy sets none. */
	public static final Duration DEFAULT_RTT = Duration.ofMillis(30);

	/** Longest decay policy may set. */
	public static final Duration MAX_DECAY = Duration.ofHours(1);

	/** Largest default latency policy may set. */
	public static final Duration MAX_DEFAULT_RTT = Duration.ofMinutes(1);

	/** The default: power of two choices over peak-EWMA latency. */
	public static final LoadBalancing DEFAULT = new LoadBalancing(Type.PEAK_EWMA, DEFAULT_DECAY, DEFAULT_RTT);

	public LoadBalancing {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(decay, "decay");
		Objects.requireNonNull(defaultRtt, "defaultRtt");
		if (decay.isNegative() || decay.isZero() || decay.compareTo(MAX_DECAY) > 0) {
			throw new IllegalArgumentException("decay must be > 0 and <= 1h, was " + decay);
		}
		if (defaultRtt.isNegative() || defaultRtt.isZero() || defaultRtt.compareTo(MAX_DEFAULT_RTT) > 0) {
			throw new IllegalArgumentException("default-rtt must be > 0 and <= 1m, was " + defaultRtt);
		}
	}

	/** The algorithms. */
	public enum Type {

		/**
		 * Power of two choices: of two endpoints picked at random, the one whose peak-EWMA
		 * latency times (requests in flight + 1) is lower (Linkerd's balancer, Finagle's
		 * {@code p2cPeakEwma}).
		 */
		PEAK_EWMA("peak-ewma"),

		/** Power of two choices by requests in flight (Envoy's and Istio's LEAST_REQUEST). */
		LEAST_REQUEST("least-request"),

		/** Each endpoint in turn (Spring Cloud LoadBalancer's default). */
		ROUND_ROBIN("round-robin");

		private final String value;

		Type(String value) {
			this.value = value;
		}

		/** The name policy files use. */
		public String value() {
			return this.value;
		}

		/** The type a policy file names, or null. */
		public static Type of(String value) {
			if (value == null) {
				return null;
			}
			String normalized = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
			for (Type type : values()) {
				if (type.value.equals(normalized)) {
					return type;
				}
			}
			return null;
		}

		/** The names policy files may use, for error messages. */
		public static String names() {
			return Arrays.stream(values()).map(Type::value).collect(Collectors.joining(", "));
		}

	}

}
