package io.trellis.gateway.loadbalancer;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.trellis.core.policy.LoadBalancing;
import io.trellis.core.policy.OutlierDetection;
import io.trellis.gateway.route.MeshExchangeAttributes;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;

/**
 * One destination service's Spring Cloud LoadBalancer balancer in the sidecar: picks an
 * endpoint of the subset the route chose by the algorithm the service's policy names, and
 * keeps what it observes of each endpoint ({@link EndpointLoad}) across policy changes, so
 * switching algorithms live loses nothing.
 * <ul>
 * <li>peak-EWMA (the default): of two endpoints picked at random, the one with the lower
 * latency estimate times (requests in flight + 1);</li>
 * <li>least-request: of two picked at random, the one with fewer requests in flight;</li>
 * <li>round-robin: each in turn.</li>
 * </ul>
 * The caller reports each request's end through the {@link Call} that {@link #begin} returns.
 */
public class ServiceBalancer implements ReactorServiceInstanceLoadBalancer {

	/**
	 * The latency a request that failed without a response (connection refused or reset)
	 * counts as, at least: a failing endpoint answers fast, and must not look like the best.
	 */
	static final long FAILURE_PENALTY_NANOS = 1_000_000_000L;

	private final String service;

	private final SubsetServiceInstanceListSupplier instances;

	private final LongSupplier clock;

	private final Map<String, EndpointLoad> loads = new ConcurrentHashMap<>();

	private final AtomicInteger next = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 16));

	/** Endpoints ejected or on probation now: while there are none, choosing skips the check. */
	private final AtomicInteger outliers = new AtomicInteger();

	/** What active health checks found, when the service's policy has them. */
	private volatile EndpointHealth health;

	public ServiceBalancer(String service, SubsetServiceInstanceListSupplier instances) {
		this(service, instances, System::nanoTime);
	}

	ServiceBalancer(String service, SubsetServiceInstanceListSupplier instances, LongSupplier clock) {
		this.service = service;
		this.instances = instances;
		this.clock = clock;
	}

	public String service() {
		return this.service;
	}

	@Override
	public Mono<Response<ServiceInstance>> choose(Request request) {
		LoadBalancing settings = settingsOf(request);
		OutlierDetection detection = detectionOf(request);
		List<ServiceInstance> candidates = untried(this.instances.instances(request), request);
		ServiceInstance chosen = choose(inService(candidates, detection, settings), settings);
		return Mono.just((chosen != null) ? new DefaultResponse(chosen) : new EmptyResponse());
	}

	/** The load balancing the route chose ({@link MeshExchangeAttributes#LOAD_BALANCING_ATTR}), else the default. */
	static LoadBalancing settingsOf(Request<?> request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null
				&& context.getClientRequest().getAttributes() != null
				&& context.getClientRequest().getAttributes()
					.get(MeshExchangeAttributes.LOAD_BALANCING_ATTR) instanceof LoadBalancing settings) {
			return settings;
		}
		return LoadBalancing.DEFAULT;
	}

	/** The outlier detection the route chose ({@link MeshExchangeAttributes#OUTLIER_DETECTION_ATTR}), else the default. */
	static OutlierDetection detectionOf(Request<?> request) {
		if (request.getContext() instanceof RequestDataContext context && context.getClientRequest() != null
				&& context.getClientRequest().getAttributes() != null
				&& context.getClientRequest().getAttributes()
					.get(MeshExchangeAttributes.OUTLIER_DETECTION_ATTR) instanceof OutlierDetection detection) {
			return detection;
		}
		return OutlierDetection.DEFAULT;
	}

	/** Active health checks' findings to honour from now on, or null when the service has none. */
	public void health(EndpointHealth health) {
		this.health = health;
	}

	/** Active health checks' findings, or null when the service has none. */
	public EndpointHealth health() {
		return this.health;
	}

	/** Every endpoint of the service now. */
	public List<ServiceInstance> endpoints() {
		return this.instances.all();
	}

	/**
	 * The candidates not ejected (and not on probation with a probe in flight) and not failing
	 * active health checks; all of them when that leaves none, as Envoy's panic mode: a guess
	 * beats refusing every request.
	 */
	List<ServiceInstance> inService(List<ServiceInstance> candidates, OutlierDetection detection,
			LoadBalancing settings) {
		EndpointHealth checked = this.health;
		boolean failingChecks = checked != null && checked.anyUnhealthy();
		boolean ejections = this.outliers.get() > 0;
		if (!ejections && !failingChecks) {
			return candidates;
		}
		if (ejections && !detection.enabled()) {
			// Turned off by a new policy: everyone is back.
			this.loads.values().forEach((load) -> {
				if (load.readmit()) {
					this.outliers.decrementAndGet();
				}
			});
			ejections = false;
			if (!failingChecks) {
				return candidates;
			}
		}
		long now = this.clock.getAsLong();
		List<ServiceInstance> available = new java.util.ArrayList<>(candidates.size());
		for (ServiceInstance candidate : candidates) {
			if (failingChecks && checked.isUnhealthy(key(candidate))) {
				continue;
			}
			if (!ejections || load(candidate, settings).available(now)) {
				available.add(candidate);
			}
		}
		return available.isEmpty() ? candidates : available;
	}

	/** Whether one more endpoint may be ejected: at most the policy's share of them, but always one. */
	private boolean mayEject(OutlierDetection detection) {
		int endpoints = Math.max(1, this.instances.size());
		int allowed = Math.max(1, endpoints * detection.maxEjectedPercent() / 100);
		return this.outliers.get() < allowed;
	}

	/** The candidates without those this request already tried, unless that leaves none. */
	static List<ServiceInstance> untried(List<ServiceInstance> candidates, Request<?> request) {
		if (!(request.getContext() instanceof RequestDataContext context) || context.getClientRequest() == null
				|| context.getClientRequest().getAttributes() == null
				|| !(context.getClientRequest().getAttributes()
					.get(MeshExchangeAttributes.TRIED_ENDPOINTS_ATTR) instanceof List<?> tried)
				|| tried.isEmpty()) {
			return candidates;
		}
		List<ServiceInstance> untried = new java.util.ArrayList<>(candidates.size());
		for (ServiceInstance candidate : candidates) {
			if (!tried.contains(key(candidate))) {
				untried.add(candidate);
			}
		}
		return untried.isEmpty() ? candidates : untried;
	}

	/** The key an endpoint is known by: its instance id. */
	public static String key(ServiceInstance instance) {
		String id = instance.getInstanceId();
		return (id != null) ? id : instance.getHost() + ":" + instance.getPort();
	}

	/** The endpoint to send to among {@code candidates}, or null when there is none. */
	ServiceInstance choose(List<ServiceInstance> candidates, LoadBalancing settings) {
		int size = candidates.size();
		if (size == 0) {
			return null;
		}
		if (size == 1) {
			return candidates.get(0);
		}
		if (settings.type() == LoadBalancing.Type.ROUND_ROBIN) {
			return candidates.get(Math.floorMod(this.next.getAndIncrement(), size));
		}
		ThreadLocalRandom random = ThreadLocalRandom.current();
		int i = random.nextInt(size);
		int j = random.nextInt(size - 1);
		if (j >= i) {
			j++;
		}
		ServiceInstance a = candidates.get(i);
		ServiceInstance b = candidates.get(j);
		EndpointLoad loadA = load(a, settings);
		EndpointLoad loadB = load(b, settings);
		if (settings.type() == LoadBalancing.Type.LEAST_REQUEST) {
			return (loadB.pending() < loadA.pending()) ? b : a;
		}
		long now = this.clock.getAsLong();
		long decay = settings.decay().toNanos();
		return (loadB.cost(now, decay) < loadA.cost(now, decay)) ? b : a;
	}

	/** Starts a request to {@code instance} with the default outlier detection; the caller ends it exactly once. */
	public Call begin(ServiceInstance instance, LoadBalancing settings) {
		return begin(instance, settings, OutlierDetection.DEFAULT);
	}

	/** Starts a request to {@code instance}; the caller ends it exactly once. */
	public Call begin(ServiceInstance instance, LoadBalancing settings, OutlierDetection detection) {
		EndpointLoad load = load(instance, settings);
		load.started();
		long now = this.clock.getAsLong();
		boolean probe = load.claimProbe(now);
		return new Call(this, load, now, settings.decay().toNanos(), detection, probe);
	}

	/** Drops what is known of endpoints no longer in {@code current}. */
	void retainOnly(List<ServiceInstance> current) {
		Set<String> ids = new HashSet<>();
		for (ServiceInstance instance : current) {
			ids.add(key(instance));
		}
		this.loads.keySet().retainAll(ids);
	}

	/** What the balancer knows of each endpoint, for the admin endpoint. */
	public Map<String, Map<String, Object>> describe(LoadBalancing settings) {
		Map<String, Map<String, Object>> endpoints = new LinkedHashMap<>();
		long now = this.clock.getAsLong();
		new java.util.TreeMap<>(this.loads).forEach((id, load) -> {
			Map<String, Object> state = new LinkedHashMap<>();
			state.put("inFlight", load.pending());
			state.put("latencyEstimateMillis",
					Math.round(load.estimateNanos(now, settings.decay().toNanos()) / 10_000.0) / 100.0);
			state.put("responses", load.samples());
			state.putAll(load.ejection(now));
			EndpointHealth checked = this.health;
			if (checked != null) {
				state.put("healthCheck", checked.describe(id));
			}
			endpoints.put(id, state);
		});
		return endpoints;
	}

	private EndpointLoad load(ServiceInstance instance, LoadBalancing settings) {
		String key = key(instance);
		EndpointLoad load = this.loads.get(key);
		if (load != null) {
			return load;
		}
		if (this.loads.size() > 64 && this.loads.size() > 4 * this.instances.size()) {
			// Endpoints come and go; forget the gone ones before adding more.
			retainOnly(this.instances.all());
		}
		return this.loads.computeIfAbsent(key,
				(id) -> new EndpointLoad(settings.defaultRtt().toNanos(), this.clock.getAsLong()));
	}

	/** One request in flight to an endpoint. */
	public static final class Call {

		private final ServiceBalancer balancer;

		private final EndpointLoad load;

		private final long started;

		private final long decayNanos;

		private final OutlierDetection detection;

		private final boolean probe;

		private final AtomicInteger ended = new AtomicInteger();

		Call(ServiceBalancer balancer, EndpointLoad load, long started, long decayNanos, OutlierDetection detection,
				boolean probe) {
			this.balancer = balancer;
			this.load = load;
			this.started = started;
			this.decayNanos = decayNanos;
			this.detection = detection;
			this.probe = probe;
		}

		/** Whether this request is the probe of an endpoint on probation. */
		public boolean isProbe() {
			return this.probe;
		}

		/** The endpoint answered with {@code status}: its latency is a sample; a 5xx counts toward ejection. */
		public void responded(int status) {
			if (this.ended.compareAndSet(0, 1)) {
				long now = this.balancer.clock.getAsLong();
				this.load.ended(now, now - this.started, this.decayNanos);
				this.balancer.count(this.load.outcome(status >= 500, this.probe, now, this.detection,
						() -> this.balancer.mayEject(this.detection)));
			}
		}

		/** The endpoint answered (status not known): a success. */
		public void responded() {
			responded(200);
		}

		/** No answer: the connection failed. Counts as a slow answer (at least 1 s) and a failure. */
		public void failed() {
			if (this.ended.compareAndSet(0, 1)) {
				long now = this.balancer.clock.getAsLong();
				this.load.ended(now, Math.max(now - this.started, FAILURE_PENALTY_NANOS), this.decayNanos);
				this.balancer.count(this.load.outcome(true, this.probe, now, this.detection,
						() -> this.balancer.mayEject(this.detection)));
			}
		}

		/**
		 * The request was given up (the caller left or the timeout fired): the endpoint had not
		 * answered within the time waited, which raises its estimate if it was lower. It counts
		 * neither for nor against the endpoint's ejection.
		 */
		public void cancelled() {
			if (this.ended.compareAndSet(0, 1)) {
				long now = this.balancer.clock.getAsLong();
				this.load.abandoned(now, now - this.started);
				if (this.probe) {
					this.load.releaseProbe();
				}
			}
		}

	}

	private volatile Runnable onEjection = () -> {
	};

	/** Told of each ejection (for the ejection counter). */
	public void onEjection(Runnable listener) {
		this.onEjection = listener;
	}

	private void count(int change) {
		if (change != 0) {
			this.outliers.addAndGet(change);
			if (change > 0) {
				this.onEjection.run();
			}
		}
	}

}
