package io.trellis.gateway.controlplane;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;

import io.trellis.core.registry.Registration;
import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.server.ControlLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Registers the local app with the control plane once it answers its readiness check, renews
 * the registration on every heartbeat while it stays ready, withdraws it when the app stops
 * being ready, and deregisters on shutdown. The heartbeat also carries the sync report.
 */
public class LocalRegistration implements SmartLifecycle, DisposableBean {

	private static final Log logger = LogFactory.getLog(LocalRegistration.class);

	private final ControlPlaneClient client;

	private final ControlPlaneSync sync;

	private final LocalInstance local;

	private final SidecarProperties.App app;

	private final Duration heartbeatInterval;

	private final WebClient readiness;

	private final ConnectionProvider connections;

	private volatile Disposable loop;

	private volatile boolean registered;

	private volatile Instant lastHeartbeat = Instant.EPOCH;

	private volatile boolean appReady;

	private volatile String lastProblem;

	public LocalRegistration(ControlPlaneClient client, ControlPlaneSync sync, LocalInstance local,
			SidecarProperties properties) {
		this(client, sync, local, properties, null);
	}

	/**
	 * @param client the control plane
	 * @param sync the sidecar's policy sync, whose report each heartbeat carries
	 * @param local the local instance
	 * @param properties the sidecar's settings
	 * @param loop the thread the readiness checks' I/O runs on, or null for Reactor Netty's shared
	 * event loops
	 */
	public LocalRegistration(ControlPlaneClient client, ControlPlaneSync sync, LocalInstance local,
			SidecarProperties properties, ControlLoop loop) {
		this.client = client;
		this.sync = sync;
		this.local = local;
		this.app = properties.app();
		this.heartbeatInterval = properties.controlPlane().heartbeatInterval();
		// A pool of its own: one connection to the app, kept between checks.
		this.connections = ConnectionProvider.builder("trellis-readiness")
			.maxConnections(1)
			.pendingAcquireMaxCount(4)
			.maxIdleTime(Duration.ofSeconds(30))
			.build();
		HttpClient http = HttpClient.create(this.connections);
		if (loop != null) {
			http = loop.runOn(http);
		}
		this.readiness = WebClient.builder()
			.baseUrl("http://" + this.app.host() + ":" + this.app.port())
			.clientConnector(new ReactorClientHttpConnector(http))
			.build();
	}

	/** Whether the instance is registered now. */
	public boolean isRegistered() {
		return this.registered;
	}

	/** Whether the app answered its last readiness check. */
	public boolean isAppReady() {
		return this.appReady;
	}

	@Override
	public void start() {
		this.loop = Flux.interval(Duration.ZERO, this.app.readinessInterval(), Schedulers.boundedElastic())
			.onBackpressureDrop()
			.concatMap((tick) -> tick().onErrorResume((ex) -> {
				problem("Registration step failed: " + ex.getMessage());
				return Mono.empty();
			}), 1)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable loop = this.loop;
		if (loop != null) {
			loop.dispose();
		}
		if (this.registered) {
			try {
				this.client.deregister(this.local.service(), this.local.instanceId()).block(Duration.ofSeconds(2));
				logger.info("Deregistered " + this.local.service() + "/" + this.local.instanceId());
			}
			catch (RuntimeException ex) {
				logger.warn("Could not deregister " + this.local.instanceId() + ": " + ex.getMessage()
						+ "; the control plane drops it when its TTL runs out");
			}
			this.registered = false;
		}
	}

	@Override
	public boolean isRunning() {
		return this.loop != null && !this.loop.isDisposed();
	}

	/** Closes the readiness checks' connection. */
	@Override
	public void destroy() {
		this.connections.disposeLater().block(Duration.ofSeconds(5));
	}

	@Override
	public int getPhase() {
		// Starts last and stops first: deregister before the listeners close.
		return SmartLifecycle.DEFAULT_PHASE - 500;
	}

	private Mono<Void> tick() {
		return checkReady().flatMap((ready) -> {
			this.appReady = ready;
			boolean heartbeatDue = Instant.now().isAfter(this.lastHeartbeat.plus(this.heartbeatInterval));
			if (ready && (!this.registered || heartbeatDue)) {
				return register();
			}
			if (!ready && this.registered) {
				return this.client.deregister(this.local.service(), this.local.instanceId()).doOnSuccess((v) -> {
					this.registered = false;
					logger.warn("Local app at " + this.app.host() + ":" + this.app.port()
							+ " is no longer ready; withdrew " + this.local.instanceId() + " from the registry");
				});
			}
			if (heartbeatDue) {
				// Not registered, but the control plane still shows this sidecar's sync state.
				this.lastHeartbeat = Instant.now();
				return this.client.report(this.sync.syncReport());
			}
			return Mono.empty();
		});
	}

	private Mono<Void> register() {
		Registration registration = new Registration(this.local.advertisedHost(), this.local.inboundPort(),
				this.local.labels());
		return this.client.register(this.local.service(), this.local.instanceId(), registration)
			.then(this.client.report(this.sync.syncReport()).onErrorResume((ex) -> Mono.empty()))
			.doOnSuccess((v) -> {
				if (!this.registered) {
					logger.info("Registered " + this.local.service() + "/" + this.local.instanceId() + " "
							+ this.local.labels());
				}
				this.registered = true;
				this.lastHeartbeat = Instant.now();
				this.lastProblem = null;
			});
	}

	private Mono<Boolean> checkReady() {
		String path = this.app.readinessPath();
		if (path == null || path.isBlank()) {
			return Mono.fromCallable(this::canConnect).subscribeOn(Schedulers.boundedElastic());
		}
		return this.readiness.get()
			.uri(path)
			.exchangeToMono((response) -> {
				boolean ready = response.statusCode().is2xxSuccessful();
				if (!ready) {
					problem("Local app answers " + response.statusCode().value() + " on " + path
							+ "; not registering it until it answers 2xx (set mesh.proxy.app.readiness-path, "
							+ "empty for a TCP check)");
				}
				return response.releaseBody().thenReturn(ready);
			})
			.timeout(Duration.ofSeconds(2))
			.onErrorResume((ex) -> {
				problem("Local app at " + this.app.host() + ":" + this.app.port() + " not reachable: " + ex.getMessage());
				return Mono.just(false);
			});
	}

	private boolean canConnect() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(this.app.host(), this.app.port()), 1000);
			return true;
		}
		catch (java.io.IOException ex) {
			problem("Local app at " + this.app.host() + ":" + this.app.port() + " not reachable: " + ex.getMessage());
			return false;
		}
	}

	private void problem(String message) {
		if (!message.equals(this.lastProblem)) {
			logger.info(message);
			this.lastProblem = message;
		}
	}

}
