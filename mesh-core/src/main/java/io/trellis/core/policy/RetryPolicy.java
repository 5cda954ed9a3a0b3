package io.trellis.core.policy;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * When and how a caller's sidecar tries a request again ({@code mesh.policy.retries}).
 *
 * @param attempts retries after the first try (0: never retry)
 * @param on the failures retried ({@code retry-on})
 * @param statuses response statuses retried besides those of {@link Condition#GATEWAY_ERROR}
 * @param perTryTimeout the longest one try may take before it is given up and retried, or
 * null for no limit but the route's timeout
 * @param backoffBase the first wait before a retry; each next wait doubles, with full jitter
 * @param backoffMax the longest wait before a retry
 * @param budgetRatio retries allowed as a share of the requests to the service over the
 * budget's window
 * @param budgetMinPerSecond retries allowed per second whatever the traffic
 * @param budgetWindow the window the budget counts requests and retries over
 * @param bufferLimitBytes the largest request body kept to be sent again; a request with a
 * larger body or one of unknown length is not retried (except after a connection failure,
 * when nothing was sent)
 */
public record RetryPolicy(int attempts, Set<Condition> on, Set<Integer> statuses, Duration perTryTimeout,
		Duration backoffBase, Duration backoffMax, double budgetRatio, int budgetMinPerSecond, Duration budgetWindow,
		long bufferLimitBytes) {

	/** Retries when policy sets none: 2, after connection failures and resets (as Istio's default). */
	public static final int DEFAULT_ATTEMPTS = 2;

	/** Most retries policy may set. */
	public static final int MAX_ATTEMPTS = 10;

	/** The defaults: 2 retries on connect-failure and reset, 25 ms backoff (Envoy's), Linkerd's budget. */
	public static final RetryPolicy DEFAULT = new RetryPolicy(DEFAULT_ATTEMPTS,
			EnumSet.of(Condition.CONNECT_FAILURE, Condition.RESET), Set.of(), null, Duration.ofMillis(25),
			Duration.ofMillis(250), 0.2, 10, Duration.ofSeconds(10), 64 * 1024);

	public RetryPolicy {
		if (attempts < 0 || attempts > MAX_ATTEMPTS) {
			throw new IllegalArgumentException("attempts must be 0 to " + MAX_ATTEMPTS + ", was " + attempts);
		}
		on = (on == null || on.isEmpty()) ? Set.of() : Set.copyOf(EnumSet.copyOf(on));
		statuses = (statuses != null) ? Set.copyOf(new TreeSet<>(statuses)) : Set.of();
		Objects.requireNonNull(backoffBase, "backoffBase");
		Objects.requireNonNull(backoffMax, "backoffMax");
		Objects.requireNonNull(budgetWindow, "budgetWindow");
		if (budgetRatio < 0 || budgetRatio > 1) {
			throw new IllegalArgumentException("budget ratio must be 0 to 1, was " + budgetRatio);
		}
	}

	/** Whether a response with this status is retried. */
	public boolean retriesStatus(int status) {
		return (this.on.contains(Condition.GATEWAY_ERROR) && (status == 502 || status == 503 || status == 504))
				|| this.statuses.contains(status);
	}

	/** The failures a retry policy names. */
	public enum Condition {

		/** The connection to the endpoint could not be made: nothing was sent. */
		CONNECT_FAILURE("connect-failure"),

		/** The connection was closed or reset before a complete response came. */
		RESET("reset"),

		/** The endpoint answered 502, 503 or 504. */
		GATEWAY_ERROR("gateway-error");

		private final String value;

		Condition(String value) {
			this.value = value;
		}

		public String value() {
			return this.value;
		}

		/** The condition a policy file names, or null. */
		public static Condition of(String value) {
			String normalized = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
			for (Condition condition : values()) {
				if (condition.value.equals(normalized)) {
					return condition;
				}
			}
			return null;
		}

	}

}
