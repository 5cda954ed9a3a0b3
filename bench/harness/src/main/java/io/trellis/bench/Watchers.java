package io.trellis.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.JsonNode;

/**
 * Simulated sidecars for the propagation scenario: each follows one service through the
 * control plane's watch long-poll exactly as a sidecar does, fetching the policy through the
 * Environment API when the version changes, and notes when it has applied a version. They
 * use the client the sidecars use (Reactor Netty), all on one event loop, so simulating a
 * thousand of them costs the benchmark machine little next to the control plane.
 */
final class Watchers implements AutoCloseable {

	private final String service;

	private final HttpClient client;

	private final ConnectionProvider connections;

	private final LoopResources loops;

	private final List<Watcher> watchers = new ArrayList<>();

	private volatile boolean running = true;

	Watchers(String controlPlane, String service, int count) {
		this.service = service;
		// A held watch and a fetch may be open at once for each watcher.
		this.connections = ConnectionProvider.builder("bench-watchers")
			.maxConnections(2 * count + 8)
			.pendingAcquireMaxCount(-1)
			.build();
		this.loops = LoopResources.create("bench-watchers", 1, true);
		this.client = HttpClient.create(this.connections)
			.runOn(this.loops)
			.baseUrl(controlPlane)
			.responseTimeout(Duration.ofSeconds(40));
		for (int i = 0; i < count; i++) {
			Watcher watcher = new Watcher("watcher-" + i);
			this.watchers.add(watcher);
			watcher.poll();
		}
	}

	/** Waits until every watcher holds {@code version}. @return false on timeout */
	boolean awaitAll(String version, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (this.watchers.stream().allMatch((w) -> version.equals(w.applied))) {
				return true;
			}
			Thread.sleep(20);
		}
		return false;
	}

	/** For each watcher, the time (System.nanoTime) it applied {@code version}. */
	List<Long> appliedAt(String version) {
		return times(version, true);
	}

	/** For each watcher, the time (System.nanoTime) its watch told it of {@code version}. */
	List<Long> notifiedAt(String version) {
		return times(version, false);
	}

	private List<Long> times(String version, boolean applied) {
		List<Long> times = new ArrayList<>();
		for (Watcher watcher : this.watchers) {
			Long at = (applied ? watcher.appliedAt : watcher.notifiedAt).get(version);
			if (at != null) {
				times.add(at);
			}
		}
		return times;
	}

	@Override
	public void close() {
		this.running = false;
		this.connections.disposeLater().block(Duration.ofSeconds(10));
		this.loops.disposeLater().block(Duration.ofSeconds(10));
	}

	private final class Watcher {

		final String id;

		volatile String applied;

		volatile long endpoints = -1;

		final ConcurrentHashMap<String, Long> appliedAt = new ConcurrentHashMap<>();

		final ConcurrentHashMap<String, Long> notifiedAt = new ConcurrentHashMap<>();

		Watcher(String id) {
			this.id = id;
		}

		void poll() {
			if (!Watchers.this.running) {
				return;
			}
			String body = "{\"sidecar\":\"" + this.id + "\",\"waitMillis\":30000,\"services\":{\"" + Watchers.this.service
					+ "\":{\"policy\":" + ((this.applied != null) ? "\"" + this.applied + "\"" : "null")
					+ ",\"endpoints\":" + this.endpoints + "}}}";
			Watchers.this.client.headers((headers) -> headers.set("content-type", "application/json"))
				.post()
				.uri("/mesh/v1/watch")
				.send(ByteBufFlux.fromString(Mono.just(body)))
				.responseSingle((response, content) -> content.asString())
				.flatMap((text) -> {
					JsonNode state = Http.JSON.readTree(text).path("services").path(Watchers.this.service);
					this.endpoints = state.path("endpointsVersion").asLong(-1);
					String version = state.path("policyVersion").asString(null);
					if (version == null || version.equals(this.applied)) {
						return Mono.empty();
					}
					this.notifiedAt.putIfAbsent(version, System.nanoTime());
					return Watchers.this.client.get()
						.uri("/config/" + Watchers.this.service + "/default")
						.responseSingle((response, content) -> content.asString())
						.doOnNext((environment) -> {
							String fetched = Http.JSON.readTree(environment).path("version").asString(null);
							this.appliedAt.putIfAbsent(fetched, System.nanoTime());
							this.applied = fetched;
						});
				})
				.subscribe(null, (failure) -> {
					if (Watchers.this.running) {
						Mono.delay(Duration.ofMillis(200)).subscribe((tick) -> poll());
					}
				}, this::poll);
		}

	}

}
