package io.trellis.starter.client;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The distinct mesh services this application has called, for {@code /actuator/mesh}. Holds
 * at most {@link #DEFAULT_LIMIT} names (or the limit given) so that a client misusing
 * service-like hosts cannot grow it without bound.
 */
public final class CalledServices {

	/** Default maximum number of names kept. */
	public static final int DEFAULT_LIMIT = 1000;

	private final Set<String> names = ConcurrentHashMap.newKeySet();

	private final AtomicInteger size = new AtomicInteger();

	private final int limit;

	public CalledServices() {
		this(DEFAULT_LIMIT);
	}

	public CalledServices(int limit) {
		if (limit < 1) {
			throw new IllegalArgumentException("limit must be positive but was " + limit);
		}
		this.limit = limit;
	}

	/** Records a call to {@code service}; cheap when the service was seen before. */
	public void record(String service) {
		// Read first: after warm-up nearly every call names a known service, and a read
		// does not contend with other callers.
		if (this.names.contains(service)) {
			return;
		}
		if (this.size.incrementAndGet() > this.limit) {
			this.size.decrementAndGet();
			return;
		}
		if (!this.names.add(service)) {
			this.size.decrementAndGet();
		}
	}

	/** The recorded names, sorted. */
	public List<String> names() {
		return this.names.stream().sorted().toList();
	}

}
