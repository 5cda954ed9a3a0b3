package io.trellis.core.policy;

/**
 * The inbound rate limit of a service ({@code mesh.policy.inbound.rate-limit}), enforced by the
 * sidecar of each of its instances on the requests that reach that instance, as Istio's local
 * rate limit and Linkerd's HTTPLocalRateLimitPolicy: a token bucket holding up to
 * {@code burst} tokens, refilled at {@code requestsPerSecond}; a request takes one token or is
 * answered {@code 429 Too Many Requests} with {@code Retry-After} and
 * {@code x-trellis-error: rate-limited}, without reaching the application.
 *
 * @param enabled whether requests are limited
 * @param requestsPerSecond tokens added per second (the sustained rate allowed)
 * @param burst most tokens the bucket holds (requests allowed at once after a quiet spell)
 * @param perCaller whether each calling service (its {@code x-trellis-source}) has a bucket of
 * its own of this size, instead of all callers sharing one
 */
public record RateLimit(boolean enabled, double requestsPerSecond, int burst, boolean perCaller) {

	/** No limit, the default. */
	public static final RateLimit DISABLED = new RateLimit(false, 1, 1, false);

	/** Largest rate policy may set, per instance. */
	public static final double MAX_RATE = 1_000_000;

	/** Largest burst policy may set. */
	public static final int MAX_BURST = 1_000_000;

	public RateLimit {
		if (!(requestsPerSecond > 0) || requestsPerSecond > MAX_RATE) {
			throw new IllegalArgumentException("requests-per-second must be > 0 and <= " + (long) MAX_RATE
					+ ", was " + requestsPerSecond);
		}
		if (burst < 1 || burst > MAX_BURST) {
			throw new IllegalArgumentException("burst must be from 1 to " + MAX_BURST + ", was " + burst);
		}
	}

}
