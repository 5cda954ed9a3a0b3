package io.trellis.configserver.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.trellis.core.policy.ServiceNames;
import io.trellis.core.registry.Endpoint;
import io.trellis.core.registry.Registration;
import io.trellis.core.registry.ServiceEndpoints;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The embedded registry: instances registered by their sidecars, kept while they heartbeat
 * and dropped a TTL after the last one. Each change to a service's endpoint set gives it a new
 * version, taken from one sequence so versions never repeat.
 */
public class ServiceRegistry {

	private static final Log logger = LogFactory.getLog(ServiceRegistry.class);

	private final Clock clock;

	private final Duration ttl;

	private final AtomicLong sequence = new AtomicLong();

	private final Map<String, ServiceInstances> services = new ConcurrentHashMap<>();

	private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

	public ServiceRegistry(Clock clock, Duration ttl) {
		this.clock = clock;
		this.ttl = ttl;
	}

	public Duration getTtl() {
		return this.ttl;
	}

	/** Calls {@code listener} with a service's name each time its endpoint set changes. */
	public void addListener(Consumer<String> listener) {
		this.listeners.add(listener);
	}

	/**
	 * Registers an instance, or renews it when it is registered already.
	 * @return whether the service's endpoint set changed
	 * @throws IllegalArgumentException naming the bad value
	 */
	public boolean register(String service, String instance, Registration registration) {
		ServiceNames.requireValid(service);
		// Endpoint rejects a missing host with a NullPointerException; callers are told
		// what to send instead.
		if (registration == null || registration.host() == null || registration.host().isBlank()) {
			throw new IllegalArgumentException("A registration must give the host other sidecars reach " + service
					+ "/" + instance + " on, was " + ((registration != null) ? "'" + registration.host() + "'" : "none"));
		}
		Endpoint endpoint = new Endpoint(instance, registration.host(), registration.port(), registration.labels());
		Instant now = this.clock.instant();
		boolean[] changed = new boolean[1];
		this.services.compute(service, (name, current) -> {
			Map<String, Registered> byId = (current != null) ? new HashMap<>(current.byId()) : new HashMap<>();
			Registered previous = byId.put(instance, new Registered(endpoint, now));
			changed[0] = previous == null || !previous.endpoint().equals(endpoint);
			long version = changed[0] ? this.sequence.incrementAndGet() : current.version();
			return new ServiceInstances(version, Map.copyOf(byId));
		});
		if (changed[0]) {
			logger.info("Registered " + service + "/" + instance + " at " + endpoint.host() + ":" + endpoint.port()
					+ " " + endpoint.labels());
			notifyListeners(service);
		}
		return changed[0];
	}

	/** Removes an instance. @return whether it was registered */
	public boolean deregister(String service, String instance) {
		boolean[] removed = new boolean[1];
		this.services.computeIfPresent(service, (name, current) -> {
			if (!current.byId().containsKey(instance)) {
				return current;
			}
			Map<String, Registered> byId = new HashMap<>(current.byId());
			byId.remove(instance);
			removed[0] = true;
			return new ServiceInstances(this.sequence.incrementAndGet(), Map.copyOf(byId));
		});
		if (removed[0]) {
			logger.info("Deregistered " + service + "/" + instance);
			notifyListeners(service);
		}
		return removed[0];
	}

	/** Drops every instance whose last heartbeat is older than the TTL. */
	public void expire() {
		Instant deadline = this.clock.instant().minus(this.ttl);
		for (String service : this.services.keySet()) {
			boolean[] removed = new boolean[1];
			this.services.computeIfPresent(service, (name, current) -> {
				Map<String, Registered> byId = new HashMap<>(current.byId());
				if (!byId.values().removeIf((registered) -> registered.lastHeartbeat().isBefore(deadline))) {
					return current;
				}
				removed[0] = true;
				return new ServiceInstances(this.sequence.incrementAndGet(), Map.copyOf(byId));
			});
			if (removed[0]) {
				logger.info("Expired instances of " + service + " silent for more than " + this.ttl);
				notifyListeners(service);
			}
		}
	}

	/** The service's endpoints now; a service never registered has none, at version 0. */
	public ServiceEndpoints endpoints(String service) {
		ServiceInstances instances = this.services.get(service);
		if (instances == null) {
			return new ServiceEndpoints(service, 0, List.of());
		}
		List<Endpoint> endpoints = new ArrayList<>(instances.byId().size());
		for (Registered registered : instances.byId().values()) {
			endpoints.add(registered.endpoint());
		}
		endpoints.sort(Comparator.comparing(Endpoint::instance));
		return new ServiceEndpoints(service, instances.version(), endpoints);
	}

	/** Whether the service has at least one live instance. */
	public boolean hasEndpoints(String service) {
		ServiceInstances instances = this.services.get(service);
		return instances != null && !instances.byId().isEmpty();
	}

	/** Names of the services that have, or have had, instances. */
	public Set<String> services() {
		return new TreeSet<>(this.services.keySet());
	}

	private void notifyListeners(String service) {
		for (Consumer<String> listener : this.listeners) {
			try {
				listener.accept(service);
			}
			catch (RuntimeException ex) {
				logger.warn("Registry listener failed for " + service, ex);
			}
		}
	}

	private record Registered(Endpoint endpoint, Instant lastHeartbeat) {
	}

	/** One service's instances at one version; replaced whole on every change. */
	private record ServiceInstances(long version, Map<String, Registered> byId) {
	}

}
