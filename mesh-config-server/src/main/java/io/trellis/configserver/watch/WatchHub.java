package io.trellis.configserver.watch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.trellis.configserver.policy.PolicyStore;
import io.trellis.configserver.registry.ServiceRegistry;
import io.trellis.core.policy.ServiceNames;
import io.trellis.core.registry.ServiceEndpoints;
import io.trellis.core.watch.ServiceState;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchResponse;

/**
 * The watch stream as blocking queries: a sidecar says which versions it holds, and the answer
 * comes back as soon as any of them is out of date, or after the wait with nothing changed.
 * Policy and registry changes complete the waiting queries that concern the changed service,
 * so a change reaches every sidecar that cares about it within one round trip.
 * <p>
 * The hub knows nothing of HTTP: each {@link Watch} completes a future with its answer, and
 * whoever holds the request ({@link WatchServlet}) ends the wait with {@link Watch#expire()}
 * or gives up on it with {@link Watch#cancel()}.
 */
public class WatchHub {

	/** Most services one watch may name. */
	public static final int MAX_SERVICES = 10_000;

	private final PolicyStore policies;

	private final ServiceRegistry registry;

	private final Duration maxWait;

	private final Map<String, Set<Watch>> watchesByService = new ConcurrentHashMap<>();

	private final Clock clock;

	private final Instant warmupUntil;

	private final Set<Watch> warming = ConcurrentHashMap.newKeySet();

	public WatchHub(PolicyStore policies, ServiceRegistry registry, Duration maxWait) {
		this(policies, registry, maxWait, Clock.systemUTC(), Duration.ZERO);
	}

	/**
	 * @param policies the policy served
	 * @param registry the endpoints
	 * @param maxWait the longest a watch is held
	 * @param clock the clock
	 * @param warmup how long after start watches of sidecars that already hold state are held
	 * back, so a restarted control plane, whose registry starts empty, does not tell them to
	 * drop endpoints before those re-register with their next heartbeat
	 */
	public WatchHub(PolicyStore policies, ServiceRegistry registry, Duration maxWait, Clock clock, Duration warmup) {
		this.policies = policies;
		this.registry = registry;
		this.maxWait = maxWait;
		this.clock = clock;
		this.warmupUntil = clock.instant().plus(warmup);
		policies.addListener(this::changed);
		registry.addListener(this::changed);
	}

	/** Whether the control plane is still waiting for sidecars to re-register after its start. */
	public boolean isWarmingUp() {
		return this.clock.instant().isBefore(this.warmupUntil);
	}

	/** When the warm-up ends. */
	public Instant warmupUntil() {
		return this.warmupUntil;
	}

	/** Ends the warm-up: every watch held back by it is answered with the current state. */
	public void endWarmup() {
		for (Watch watch : this.warming.toArray(new Watch[0])) {
			this.warming.remove(watch);
			watch.answer(current(watch.request));
		}
	}

	/** The current state of one service. */
	public ServiceState state(String service) {
		ServiceNames.requireValid(service);
		ServiceEndpoints endpoints = this.registry.endpoints(service);
		boolean known = this.policies.hasOwnFile(service) || !endpoints.endpoints().isEmpty();
		return new ServiceState(service, known, this.policies.version(service), endpoints.version(),
				endpoints.endpoints());
	}

	/**
	 * Answers a watch: at once when the caller is out of date, else when something it watches
	 * changes or the wait ends.
	 * @throws IllegalArgumentException naming a bad service name or an over-long list
	 */
	public Watch watch(WatchRequest request) {
		if (request.services().size() > MAX_SERVICES) {
			throw new IllegalArgumentException("A watch may name at most " + MAX_SERVICES + " services, this one names "
					+ request.services().size());
		}
		request.services().keySet().forEach(ServiceNames::requireValid);
		long waitMillis = Math.max(0, Math.min(request.waitMillis(), this.maxWait.toMillis()));
		if (isWarmingUp() && holdsEverything(request) && waitMillis > 0) {
			// Nothing to tell yet that could be trusted: answer at the end of the warm-up, or,
			// if the wait ends first, with nothing to apply.
			Watch watch = new Watch(request, waitMillis, () -> new WatchResponse(Map.of()));
			watch.whenDone(() -> this.warming.remove(watch));
			this.warming.add(watch);
			if (!isWarmingUp()) {
				endWarmup();
			}
			return watch;
		}
		Watch watch = new Watch(request, waitMillis, () -> current(request));
		WatchResponse now = respondIfChanged(request);
		if (now != null || waitMillis == 0 || request.services().isEmpty()) {
			watch.answer((now != null) ? now : current(request));
			return watch;
		}
		for (String service : request.services().keySet()) {
			this.watchesByService.computeIfAbsent(service, (key) -> ConcurrentHashMap.newKeySet()).add(watch);
		}
		watch.whenDone(() -> unregister(watch));
		// A change between the first look and registering would otherwise go unseen.
		WatchResponse raced = respondIfChanged(request);
		if (raced != null) {
			watch.answer(raced);
		}
		return watch;
	}

	/**
	 * Answers every held watch with nothing to apply, as the control plane shuts down: the
	 * sidecars keep what they have and try again.
	 */
	public void release() {
		WatchResponse nothing = new WatchResponse(Map.of());
		for (Watch watch : this.warming.toArray(new Watch[0])) {
			watch.answer(nothing);
		}
		for (Set<Watch> watches : this.watchesByService.values()) {
			for (Watch watch : watches.toArray(new Watch[0])) {
				watch.answer(nothing);
			}
		}
	}

	/** How many watches are waiting now. */
	public int waiting() {
		return (int) this.watchesByService.values().stream().flatMap(Set::stream).distinct().count();
	}

	private void changed(String service) {
		if (PolicyStore.DEFAULTS.equals(service)) {
			// The mesh-wide defaults are the policy of every service without a file of its own.
			for (String watched : this.watchesByService.keySet()) {
				if (!this.policies.hasOwnFile(watched)) {
					complete(watched);
				}
			}
			return;
		}
		complete(service);
	}

	private void complete(String service) {
		Set<Watch> watches = this.watchesByService.get(service);
		if (watches == null) {
			return;
		}
		for (Watch watch : watches.toArray(new Watch[0])) {
			if (!watch.isDone()) {
				watch.answer(current(watch.request));
			}
		}
	}

	private static boolean holdsEverything(WatchRequest request) {
		if (request.services().isEmpty()) {
			return false;
		}
		for (WatchRequest.Known held : request.services().values()) {
			if (held == null || held.policy() == null || held.endpoints() < 0) {
				return false;
			}
		}
		return true;
	}

	private WatchResponse respondIfChanged(WatchRequest request) {
		WatchResponse response = current(request);
		for (Map.Entry<String, WatchRequest.Known> known : request.services().entrySet()) {
			ServiceState state = response.services().get(known.getKey());
			WatchRequest.Known held = known.getValue();
			if (held == null || !Objects.equals(held.policy(), state.policyVersion())
					|| held.endpoints() != state.endpointsVersion()) {
				return response;
			}
		}
		return null;
	}

	private WatchResponse current(WatchRequest request) {
		Map<String, ServiceState> states = new HashMap<>();
		for (String service : request.services().keySet()) {
			states.put(service, state(service));
		}
		return new WatchResponse(states);
	}

	private void unregister(Watch watch) {
		for (String service : watch.request.services().keySet()) {
			this.watchesByService.computeIfPresent(service, (key, watches) -> {
				watches.remove(watch);
				return watches.isEmpty() ? null : watches;
			});
		}
	}

	/** One held watch: its answer comes once, from a change, the end of the wait, or a release. */
	public static final class Watch {

		private final WatchRequest request;

		private final long waitMillis;

		private final Supplier<WatchResponse> onExpiry;

		private final CompletableFuture<WatchResponse> answer = new CompletableFuture<>();

		Watch(WatchRequest request, long waitMillis, Supplier<WatchResponse> onExpiry) {
			this.request = request;
			this.waitMillis = waitMillis;
			this.onExpiry = onExpiry;
		}

		/** How long the answer may be held back: the wait asked for, capped at the hub's. */
		public long waitMillis() {
			return this.waitMillis;
		}

		/** Completes with the answer, or is cancelled when the caller gave up. */
		public CompletableFuture<WatchResponse> answer() {
			return this.answer;
		}

		/** Whether the watch has its answer (or was given up). */
		public boolean isDone() {
			return this.answer.isDone();
		}

		/** The answer, once there is one. @throws IllegalStateException before */
		public WatchResponse response() {
			if (!this.answer.isDone() || this.answer.isCompletedExceptionally()) {
				throw new IllegalStateException("The watch has no answer");
			}
			return this.answer.join();
		}

		/** The wait has ended with nothing changed: answers with what there is to tell now. */
		public void expire() {
			if (!this.answer.isDone()) {
				this.answer.complete(this.onExpiry.get());
			}
		}

		/** The caller is gone: nobody waits for an answer any more. */
		public void cancel() {
			this.answer.cancel(false);
		}

		private void answer(WatchResponse response) {
			this.answer.complete(response);
		}

		private void whenDone(Runnable action) {
			this.answer.whenComplete((response, failure) -> action.run());
		}

	}

}
