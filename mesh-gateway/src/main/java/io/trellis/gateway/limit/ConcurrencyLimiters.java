package io.trellis.gateway.limit;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import io.trellis.core.policy.ConcurrencyLimit;

/**
 * The concurrency limiters of the destinations this sidecar calls, one per destination, kept
 * across policy versions while the limit's settings stay the same (a change starts a new
 * limiter: calls already in flight finish on the old one).
 */
public class ConcurrencyLimiters {

	private final Map<String, ConcurrencyLimiter> limiters = new ConcurrentHashMap<>();

	private final LongSupplier clock;

	public ConcurrencyLimiters() {
		this(System::nanoTime);
	}

	ConcurrencyLimiters(LongSupplier clock) {
		this.clock = clock;
	}

	/** The destination's limiter for {@code settings}, or null (and none kept) when it has no limit. */
	public ConcurrencyLimiter configure(String service, ConcurrencyLimit settings) {
		if (!settings.enabled()) {
			this.limiters.remove(service);
			return null;
		}
		return this.limiters.compute(service, (name, current) -> (current != null && current.settings().equals(settings))
				? current : new ConcurrencyLimiter(name, settings, this.clock));
	}

	/** The destination's limiter, or null. */
	public ConcurrencyLimiter get(String service) {
		return this.limiters.get(service);
	}

	/** Every limiter's state, by destination, for the admin endpoint. */
	public Map<String, Object> describe() {
		Map<String, Object> description = new TreeMap<>();
		this.limiters.forEach((service, limiter) -> description.put(service, limiter.describe()));
		return description;
	}

}
