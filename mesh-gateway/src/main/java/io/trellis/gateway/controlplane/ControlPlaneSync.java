package io.trellis.gateway.controlplane;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.trellis.core.policy.PolicyBinder;
import io.trellis.core.policy.PolicyException;
import io.trellis.core.policy.PolicySource;
import io.trellis.core.policy.ServicePolicy;
import io.trellis.core.registry.ServiceEndpoints;
import io.trellis.core.sync.PolicyAck;
import io.trellis.core.sync.SyncReport;
import io.trellis.core.watch.ServiceState;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchResponse;
import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.discovery.EndpointRegistry;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import io.trellis.gateway.policy.PolicyCompiler;
import io.trellis.gateway.route.CompiledService;
import io.trellis.gateway.route.MeshRouteTable;
import io.trellis.gateway.route.ServiceLoader;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.context.SmartLifecycle;

/**
 * Keeps the sidecar's policy and endpoints in step with the control plane. It follows the
 * watch long-poll for every service it holds (its own and each destination called so far),
 * fetches a changed policy through the Environment API, validates and compiles it, swaps it
 * into the route table atomically, and reports the outcome (ACK or NACK with the reason). A
 * destination called for the first time is loaded on demand. Everything applied is persisted
 * to the {@link StateStore}; at start the sidecar serves from that file first, so a restart
 * while the control plane is down keeps working (fail static).
 */
public class ControlPlaneSync implements ServiceLoader, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ControlPlaneSync.class);

	/** How long a service the control plane called unknown is answered as unknown without asking again. */
	static final Duration UNKNOWN_CACHE = Duration.ofSeconds(1);

	private final ControlPlaneClient client;

	private final SidecarProperties.ControlPlane properties;

	private final LocalInstance local;

	private final MeshRouteTable routes;

	private final EndpointRegistry endpoints;

	private final StateStore store;

	private final Runnable routesChanged;

	private final Map<String, Watched> watched = new ConcurrentHashMap<>();

	private final Map<String, Mono<CompiledService>> loading = new ConcurrentHashMap<>();

	private final Map<String, Instant> unknownUntil = new ConcurrentHashMap<>();

	private final AtomicBoolean saveScheduled = new AtomicBoolean();

	private final Object pollLock = new Object();

	private final PolicyCompiler compiler;

	private volatile boolean running;

	private Disposable poll;

	private int failures;

	private volatile boolean connected;

	private volatile Instant lastContact;

	private volatile String lastError;

	/**
	 * @param routesChanged told after each swap of compiled routes (the gateway then drops its
	 * cache of the old routes' filter chains)
	 */
	public ControlPlaneSync(ControlPlaneClient client, SidecarProperties.ControlPlane properties, LocalInstance local,
			MeshRouteTable routes, EndpointRegistry endpoints, StateStore store, Runnable routesChanged) {
		this(client, properties, local, routes, endpoints, store, routesChanged, new PolicyCompiler());
	}

	/** @param compiler compiles each applied policy into routes */
	public ControlPlaneSync(ControlPlaneClient client, SidecarProperties.ControlPlane properties, LocalInstance local,
			MeshRouteTable routes, EndpointRegistry endpoints, StateStore store, Runnable routesChanged,
			PolicyCompiler compiler) {
		this.compiler = compiler;
		this.routesChanged = routesChanged;
		this.client = client;
		this.properties = properties;
		this.local = local;
		this.routes = routes;
		this.endpoints = endpoints;
		this.store = store;
	}

	@Override
	public void start() {
		restore();
		watched(this.local.service());
		this.running = true;
		poll();
	}

	@Override
	public void stop() {
		this.running = false;
		synchronized (this.pollLock) {
			if (this.poll != null) {
				this.poll.dispose();
			}
		}
		save();
		this.client.close();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// After the listeners have bound (the instance id needs the inbound port).
		return SmartLifecycle.DEFAULT_PHASE - 1000;
	}

	@Override
	public Mono<CompiledService> load(String service) {
		Instant unknown = this.unknownUntil.get(service);
		if (unknown != null && Instant.now().isBefore(unknown)) {
			return Mono.error(unknownService(service));
		}
		// The service's endpoints and its policy are asked for at once (one round trip, not two,
		// before a new destination's first request goes out); the policy is dropped if the
		// control plane does not know the service.
		return this.loading.computeIfAbsent(service, (name) -> Mono
			.zip(this.client.service(name)
				.onErrorMap((ex) -> !(ex instanceof MeshException), (ex) -> discoveryUnavailable(name, ex)),
					this.client.policy(name).map(Fetched::of).onErrorResume((ex) -> Mono.just(Fetched.failed(ex))))
			.publishOn(Schedulers.boundedElastic())
			.flatMap((fetched) -> firstLoad(name, fetched.getT1(), fetched.getT2()))
			.doFinally((signal) -> this.loading.remove(name))
			.cache());
	}

	private Mono<CompiledService> firstLoad(String service, ServiceState state, Fetched policy) {
		if (!state.known()) {
			this.unknownUntil.put(service, Instant.now().plus(UNKNOWN_CACHE));
			return Mono.error(unknownService(service));
		}
		this.unknownUntil.remove(service);
		Watched watched = watched(service);
		applyEndpoints(watched, state);
		if (policy.failure() != null) {
			return Mono.error(discoveryUnavailable(service, policy.failure()));
		}
		applyPolicy(watched, policy.document());
		restartPoll();
		report();
		saveLater();
		return Mono.just(this.routes.get(service));
	}

	/** A policy fetched for a first load, or why it could not be. */
	private record Fetched(PolicyDocument document, Throwable failure) {

		static Fetched of(PolicyDocument document) {
			return new Fetched(document, null);
		}

		static Fetched failed(Throwable failure) {
			return new Fetched(null, failure);
		}

	}

	/** What the sidecar holds, for the admin endpoint. */
	public Map<String, Object> describe() {
		Map<String, Object> controlPlane = new LinkedHashMap<>();
		controlPlane.put("uri", this.properties.uri().toString());
		controlPlane.put("connected", this.connected);
		controlPlane.put("lastContact", this.lastContact);
		controlPlane.put("lastError", this.lastError);
		return controlPlane;
	}

	/** Per service, the versions applied and rejected. */
	public Map<String, PolicyAck> acks() {
		Map<String, PolicyAck> acks = new TreeMap<>();
		for (Watched watched : this.watched.values()) {
			acks.put(watched.service, watched.ack());
		}
		return acks;
	}

	/** Whether the service's policy in use was restored from the state file and not yet confirmed. */
	public boolean isRestored(String service) {
		Watched watched = this.watched.get(service);
		return watched != null && watched.restored;
	}

	/** The sync report the control plane's status page shows. */
	public SyncReport syncReport() {
		return new SyncReport(this.local.sidecarId(), this.local.service(), this.local.instanceId(),
				new ArrayList<>(acks().values()));
	}

	private Watched watched(String service) {
		return this.watched.computeIfAbsent(service, Watched::new);
	}

	private void poll() {
		synchronized (this.pollLock) {
			if (!this.running) {
				return;
			}
			WatchRequest request = new WatchRequest(this.local.sidecarId(), known(),
					this.properties.watchWait().toMillis());
			this.poll = this.client.watch(request)
				.publishOn(Schedulers.boundedElastic())
				.flatMap(this::applyWatch)
				.subscribe(null, this::pollFailed, this::pollSucceeded);
		}
	}

	private void restartPoll() {
		synchronized (this.pollLock) {
			if (this.poll != null) {
				this.poll.dispose();
			}
			poll();
		}
	}

	private void pollSucceeded() {
		synchronized (this.pollLock) {
			this.failures = 0;
		}
		if (!this.connected) {
			logger.info("Connected to the control plane at " + this.properties.uri());
		}
		this.connected = true;
		this.lastContact = Instant.now();
		this.lastError = null;
		poll();
	}

	private void pollFailed(Throwable ex) {
		Duration pause;
		synchronized (this.pollLock) {
			this.failures++;
			long millis = this.properties.retryInterval().toMillis() << Math.min(this.failures - 1, 16);
			pause = Duration.ofMillis(Math.min(millis, this.properties.maxRetryInterval().toMillis()));
			if (!this.running) {
				return;
			}
			this.poll = Mono.delay(pause).subscribe((tick) -> poll());
		}
		if (this.connected || this.lastError == null) {
			logger.warn("Control plane at " + this.properties.uri() + " unreachable (" + ex.getMessage()
					+ "); serving the last policy and endpoints, retrying");
		}
		this.connected = false;
		this.lastError = String.valueOf(ex.getMessage());
	}

	private Map<String, WatchRequest.Known> known() {
		Map<String, WatchRequest.Known> known = new LinkedHashMap<>();
		for (Watched watched : this.watched.values()) {
			known.put(watched.service, new WatchRequest.Known(watched.seen, watched.endpointsVersion));
		}
		return known;
	}

	private Mono<Void> applyWatch(WatchResponse response) {
		List<Mono<Void>> fetches = new ArrayList<>();
		boolean changed = false;
		for (ServiceState state : response.services().values()) {
			Watched watched = this.watched.get(state.service());
			if (watched == null) {
				continue;
			}
			changed |= applyEndpoints(watched, state);
			if (Objects.equals(state.policyVersion(), watched.seen)) {
				watched.restored = false;
			}
			else {
				fetches.add(this.client.policy(state.service())
					.publishOn(Schedulers.boundedElastic())
					.doOnNext((document) -> applyPolicy(watched, document))
					.then());
			}
		}
		boolean endpointsChanged = changed;
		return Flux.merge(fetches).then(Mono.fromRunnable(() -> {
			if (!fetches.isEmpty()) {
				report();
			}
			if (endpointsChanged || !fetches.isEmpty()) {
				saveLater();
			}
		}));
	}

	private boolean applyEndpoints(Watched watched, ServiceState state) {
		if (watched.endpointsVersion == state.endpointsVersion()) {
			return false;
		}
		this.endpoints.update(new ServiceEndpoints(state.service(), state.endpointsVersion(), state.endpoints()));
		watched.endpointsVersion = state.endpointsVersion();
		if (logger.isDebugEnabled()) {
			logger.debug("Endpoints of " + state.service() + " at version " + state.endpointsVersion() + ": "
					+ state.endpoints());
		}
		return true;
	}

	/** Validates, compiles and swaps in a policy; a policy that does not bind is rejected. */
	private void applyPolicy(Watched watched, PolicyDocument document) {
		String service = watched.service;
		List<PolicySource> sources = document.toSources();
		watched.seen = document.version();
		try {
			ServicePolicy policy = PolicyBinder.bind(service, sources);
			this.routes.put(this.compiler.compile(policy, document.version()));
			this.routesChanged.run();
			watched.applied(document.version(), sources);
			logger.info("Applied policy " + document.version() + " for " + service);
		}
		catch (PolicyException | IllegalArgumentException ex) {
			watched.rejected(document.version(), ex.getMessage());
			logger.warn("Rejected policy " + document.version() + " for " + service + ": " + ex.getMessage()
					+ ((watched.applied != null) ? "; keeping " + watched.applied : "; using built-in defaults"));
			if (this.routes.get(service) == null) {
				this.routes.put(this.compiler.compile(ServicePolicy.defaults(service), "built-in"));
			}
		}
	}

	private void report() {
		this.client.report(syncReport())
			.subscribe(null, (ex) -> logger.debug("Sync report not delivered: " + ex.getMessage()));
	}

	private void restore() {
		StateStore.State state = this.store.load();
		if (state == null) {
			return;
		}
		int restored = 0;
		for (Map.Entry<String, StateStore.ServiceState> entry : state.services().entrySet()) {
			String service = entry.getKey();
			StateStore.ServiceState saved = entry.getValue();
			Watched watched = watched(service);
			try {
				ServicePolicy policy = (saved.policyVersion() != null) ? PolicyBinder.bind(service, saved.sources())
						: ServicePolicy.defaults(service);
				String version = (saved.policyVersion() != null) ? saved.policyVersion() : "built-in";
				this.routes.put(this.compiler.compile(policy, version));
				if (saved.policyVersion() != null) {
					watched.seen = saved.policyVersion();
					watched.applied(saved.policyVersion(), saved.sources());
					watched.restored = true;
				}
				this.endpoints.update(new ServiceEndpoints(service, saved.endpointsVersion(), saved.endpoints()));
				watched.endpointsVersion = saved.endpointsVersion();
				restored++;
			}
			catch (RuntimeException ex) {
				logger.warn("Not restoring " + service + " from " + this.store.getFile() + ": " + ex.getMessage());
			}
		}
		logger.info("Restored policy and endpoints of " + restored + " services from " + this.store.getFile()
				+ " (saved " + state.savedAt() + ")");
	}

	private void saveLater() {
		if (this.saveScheduled.compareAndSet(false, true)) {
			Mono.delay(Duration.ofMillis(100), Schedulers.boundedElastic()).subscribe((tick) -> {
				this.saveScheduled.set(false);
				save();
			});
		}
	}

	private synchronized void save() {
		Map<String, StateStore.ServiceState> services = new TreeMap<>();
		for (Watched watched : this.watched.values()) {
			EndpointRegistry.Snapshot snapshot = this.endpoints.get(watched.service);
			if (watched.applied == null && snapshot == null) {
				continue;
			}
			services.put(watched.service,
					new StateStore.ServiceState(watched.applied, watched.appliedSources,
							(snapshot != null) ? snapshot.version() : -1,
							(snapshot != null) ? snapshot.endpoints() : List.of()));
		}
		try {
			this.store.save(new StateStore.State(StateStore.FORMAT, this.local.service(), Instant.now(), services));
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Cannot write state file " + this.store.getFile() + ": " + ex.getMessage());
		}
	}

	private MeshException discoveryUnavailable(String service, Throwable ex) {
		return new MeshException(MeshError.DISCOVERY_UNAVAILABLE, service, "Cannot learn about service " + service
				+ " from the control plane at " + this.properties.uri() + ": " + ex.getMessage());
	}

	private static MeshException unknownService(String service) {
		return new MeshException(MeshError.UNKNOWN_SERVICE, service,
				"No service named '" + service + "' is registered in the mesh or has policy");
	}

	/** What the sidecar holds of one service. */
	private static final class Watched {

		final String service;

		/** The latest version the control plane served, applied or not. */
		volatile String seen;

		volatile String applied;

		volatile List<PolicySource> appliedSources = List.of();

		volatile String rejected;

		volatile String reason;

		volatile long endpointsVersion = -1;

		volatile boolean restored;

		Watched(String service) {
			this.service = service;
		}

		synchronized void applied(String version, List<PolicySource> sources) {
			this.applied = version;
			this.appliedSources = sources;
			this.rejected = null;
			this.reason = null;
			this.restored = false;
		}

		synchronized void rejected(String version, String reason) {
			this.rejected = version;
			this.reason = reason;
		}

		synchronized PolicyAck ack() {
			return new PolicyAck(this.service, this.applied, this.rejected, this.reason);
		}

	}

}
