package io.trellis.gateway.telemetry;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.trellis.core.telemetry.LatencyBuckets;

/**
 * The golden request metric of the sidecar: {@code trellis.requests}, a timer of every request
 * by {@code direction}, {@code source}, {@code destination}, {@code route}, {@code subset} and
 * {@code status_class}, with fixed histogram buckets ({@link LatencyBuckets}) so quantiles are
 * derivable in Prometheus ({@code trellis_requests_seconds_bucket}). Every tag value is bounded:
 * service names pass through {@link BoundedNames}, routes and subsets come from policy. Timers
 * are looked up in a map of their own rather than through the registry, which builds and sorts
 * an id on every lookup.
 */
public class RequestMetrics {

	/** The timer's name. */
	public static final String NAME = "trellis.requests";

	private final MeterRegistry registry;

	private final ConcurrentMap<Key, Timer> timers = new ConcurrentHashMap<>();

	/**
	 * The timer of the last request recorded: a sidecar's requests mostly share their tags with
	 * the one before, which then costs no key and no map lookup (racy by design: any pair kept
	 * is a right one).
	 */
	private volatile Last last;

	public RequestMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void record(String direction, String source, String destination, String route, String subset, int status,
			long nanos) {
		int statusHundreds = status / 100;
		Last last = this.last;
		Timer timer;
		if (last != null && last.key().is(direction, source, destination, route, subset, statusHundreds)) {
			timer = last.timer();
		}
		else {
			Key key = new Key(direction, source, destination, route, subset, statusHundreds);
			timer = this.timers.get(key);
			if (timer == null) {
				timer = this.timers.computeIfAbsent(key, this::register);
			}
			this.last = new Last(key, timer);
		}
		timer.record(nanos, TimeUnit.NANOSECONDS);
	}

	private Timer register(Key key) {
		return Timer.builder(NAME)
			.description("Requests through the sidecar, by direction, source, destination, route, subset and status class")
			.tag("direction", key.direction())
			.tag("source", key.source())
			.tag("destination", key.destination())
			.tag("route", key.route())
			.tag("subset", key.subset())
			.tag("status_class", RequestRecord.statusClass(key.statusHundreds() * 100))
			.serviceLevelObjectives(LatencyBuckets.bounds())
			.register(this.registry);
	}

	private record Key(String direction, String source, String destination, String route, String subset,
			int statusHundreds) {

		boolean is(String direction, String source, String destination, String route, String subset,
				int statusHundreds) {
			return this.statusHundreds == statusHundreds && Objects.equals(this.direction, direction)
					&& Objects.equals(this.source, source) && Objects.equals(this.destination, destination)
					&& Objects.equals(this.route, route) && Objects.equals(this.subset, subset);
		}

	}

	private record Last(Key key, Timer timer) {
	}

}
