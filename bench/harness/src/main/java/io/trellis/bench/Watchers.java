package io.trellis.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;

/**
 * Simulated sidecars for the propagation scenario: each follows one service through the
 * control plane's watch long-poll exactly as a sidecar does, fetching the policy through the
 * Environment API when the version changes, and notes when it has applied a version.
 */
final class Watchers implements AutoCloseable {

	private final String controlPlane;

	private final String service;

	private final HttpClient client;

	private final List<Watcher> watchers = new ArrayList<>();

	private volatile boolean running = true;

	private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "bench-watcher-retry");
		thread.setDaemon(true);
		return thread;
	});

	Watchers(String controlPlane, String service, int count) {
		this.controlPlane = controlPlane;
		this.service = service;
		this.client = HttpClient.newBuilder()
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.executor(Executors.newFixedThreadPool(4, (task) -> {
				Thread thread = new Thread(task, "bench-watchers");
				thread.setDaemon(true);
				return thread;
			}))
			.build();
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
		List<Long> times = new ArrayList<>();
		for (Watcher watcher : this.watchers) {
			Long at = watcher.appliedAt.get(version);
			if (at != null) {
				times.add(at);
			}
		}
		return times;
	}

	@Override
	public void close() {
		this.running = false;
		this.retries.shutdownNow();

	}

	private final class Watcher {

		final String id;

		volatile String applied;

		volatile long endpoints = -1;

		final ConcurrentHashMap<String, Long> appliedAt = new ConcurrentHashMap<>();

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
			HttpRequest request = HttpRequest.newBuilder(URI.create(Watchers.this.controlPlane + "/mesh/v1/watch"))
				.timeout(Duration.ofSeconds(40))
				.header("content-type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build();
			Watchers.this.client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
				.thenCompose((response) -> {
					JsonNode state = Http.JSON.readTree(response.body()).path("services").path(Watchers.this.service);
					this.endpoints = state.path("endpointsVersion").asLong(-1);
					String version = state.path("policyVersion").asString(null);
					if (version == null || version.equals(this.applied)) {
						return java.util.concurrent.CompletableFuture.completedFuture(null);
					}
					HttpRequest fetch = HttpRequest.newBuilder(URI.create(Watchers.this.controlPlane + "/config/"
							+ Watchers.this.service + "/default")).timeout(Duration.ofSeconds(10)).build();
					return Watchers.this.client.sendAsync(fetch, HttpResponse.BodyHandlers.ofString())
						.thenAccept((env) -> {
							String fetched = Http.JSON.readTree(env.body()).path("version").asString(null);
							this.appliedAt.putIfAbsent(fetched, System.nanoTime());
							this.applied = fetched;
						});
				})
				.whenComplete((ok, failure) -> {
					if (failure != null && Watchers.this.running) {
						Watchers.this.retries.schedule(this::poll, 200, TimeUnit.MILLISECONDS);
					}
					else {
						poll();
					}
				});
		}

	}

}
