package io.trellis.gateway.limit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import io.trellis.core.policy.RateLimit;

/**
 * The local instance's inbound rate limit ({@code mesh.policy.inbound.rate-limit} of its own
 * service): one token bucket for all callers, or one per calling service. A new policy with
 * other settings starts new, full buckets; the same settings keep them.
 */
public class InboundRateLimiter {

	/** The caller of a request that names none (not sent through a sidecar). */
	public static final String UNKNOWN_CALLER = "unknown";

	/** The bucket shared by callers beyond {@link #MAX_CALLERS}. */
	static final String OTHER_CALLERS = "(other callers)";

	/** Most calling services tracked at once; beyond, idle (full) buckets are forgotten first. */
	static final int MAX_CALLERS = 10_000;

	private final LongSupplier clock;

	private final Supplier<RateLimit> source;

	private volatile Buckets buckets;

	private volatile RateLimit seen;

	/** A limiter configured only through {@link #configure(RateLimit)}. */
	public InboundRateLimiter() {
		this(() -> null);
	}

	/**
	 * @param source the local service's limit as its policy now has it (null until a policy is
	 * applied), looked at before each request and each description
	 */
	public InboundRateLimiter(Supplier<RateLimit> source) {
		this(source, System::nanoTime);
	}

	InboundRateLimiter(LongSupplier clock) {
		this(() -> null, clock);
	}

	InboundRateLimiter(Supplier<RateLimit> source, LongSupplier clock) {
		this.source = source;
		this.clock = clock;
	}

	/** Follows the source: a new limit object (a new policy version) is configured. */
	private void follow() {
		RateLimit current = this.source.get();
		if (current != null && current != this.seen) {
			this.seen = current;
			configure(current);
		}
	}

	/** Applies the limit of a new policy version of the local service. */
	public void configure(RateLimit limit) {
		Buckets current = this.buckets;
		if (!limit.enabled()) {
			this.buckets = null;
		}
		else if (current == null || !current.limit.equals(limit)) {
			this.buckets = new Buckets(limit, this.clock.getAsLong());
		}
	}

	/**
	 * Takes a token for a request from {@code caller}.
	 * @param caller the calling service (null or blank: {@value #UNKNOWN_CALLER})
	 * @return null when the request may go on; else how long until it may be tried again
	 */
	public Rejection tryAcquire(String caller) {
		follow();
		Buckets buckets = this.buckets;
		if (buckets == null) {
			return null;
		}
		long now = this.clock.getAsLong();
		String key = buckets.limit.perCaller() ? ((caller == null || caller.isBlank()) ? UNKNOWN_CALLER : caller) : "";
		long wait = buckets.bucket(key, now).tryTake(now);
		if (wait == 0) {
			return null;
		}
		return new Rejection(buckets.limit, wait);
	}

	/** The limit and each bucket's tokens, for the admin endpoint. */
	public Map<String, Object> describe() {
		follow();
		Buckets buckets = this.buckets;
		Map<String, Object> description = new LinkedHashMap<>();
		if (buckets == null) {
			description.put("enabled", false);
			return description;
		}
		long now = this.clock.getAsLong();
		description.put("enabled", true);
		description.put("requestsPerSecond", buckets.limit.requestsPerSecond());
		description.put("burst", buckets.limit.burst());
		description.put("perCaller", buckets.limit.perCaller());
		Map<String, Object> tokens = new TreeMap<>();
		buckets.byCaller.forEach((caller, bucket) -> tokens.put(caller.isEmpty() ? "all" : caller,
				Math.floor(bucket.available(now) * 10) / 10));
		description.put("tokens", tokens);
		return description;
	}

	/**
	 * A refused request.
	 * @param limit the limit that refused it
	 * @param waitNanos time until the bucket has a token again
	 */
	public record Rejection(RateLimit limit, long waitNanos) {

		/** Whole seconds to put in {@code Retry-After}: at least 1. */
		public long retryAfterSeconds() {
			return Math.max(1, (waitNanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
		}

	}

	private static final class Buckets {

		final RateLimit limit;

		final Map<String, TokenBucket> byCaller = new ConcurrentHashMap<>();

		Buckets(RateLimit limit, long now) {
			this.limit = limit;
		}

		TokenBucket bucket(String key, long now) {
			TokenBucket bucket = this.byCaller.get(key);
			if (bucket != null) {
				return bucket;
			}
			if (this.byCaller.size() >= MAX_CALLERS) {
				// Forgetting a full bucket loses nothing: a new one starts full.
				this.byCaller.entrySet().removeIf((entry) -> entry.getValue().full(now));
				if (this.byCaller.size() >= MAX_CALLERS) {
					// Still too many callers at once: the rest share one bucket.
					key = OTHER_CALLERS;
				}
			}
			return this.byCaller.computeIfAbsent(key,
					(k) -> new TokenBucket(this.limit.requestsPerSecond(), this.limit.burst(), now));
		}

	}

}
