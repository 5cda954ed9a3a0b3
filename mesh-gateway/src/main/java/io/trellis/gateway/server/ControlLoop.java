package io.trellis.gateway.server;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * The sidecar's own I/O thread for what is not the traffic it carries: its calls to the control
 * plane (watch, policy, registration, heartbeats, sync and traffic reports), the local app's
 * readiness checks, the destinations' active health checks, and the admin listener (metrics
 * scrapes, probes, {@code /actuator/mesh}, taps). As Envoy keeps xDS, health checking and its
 * admin interface on its main thread, away from the workers, and Linkerd's proxy runs its admin
 * server on a thread of its own, these do not run on the event loop that proxies requests,
 * where each took that loop for a millisecond or more at a time (a readiness check that fails,
 * a JSON report written through Spring's WebClient, a Prometheus exposition written whole, code
 * too rarely run to be compiled) while requests queued behind it.
 * <p>
 * One thread ({@code trellis-control-*}), made when the sidecar starts and stopped with it.
 */
public class ControlLoop implements DisposableBean {

	/** Prefix of the thread's name. */
	public static final String THREAD_PREFIX = "trellis-control";

	private final LoopResources loops = LoopResources.create(THREAD_PREFIX, 1, true);

	private volatile ReactorResourceFactory serverResources;

	/** {@code client} with its connections on the control thread. */
	public HttpClient runOn(HttpClient client) {
		return client.runOn(this.loops);
	}

	/** The control thread, for scheduling work on it. */
	public ScheduledExecutorService executor() {
		return this.loops.onServer(LoopResources.hasNativeSupport()).next();
	}

	/**
	 * Resources for a server whose connections are accepted and served on the control thread
	 * (the admin listener). They are the control loop's own: disposing of this factory leaves the
	 * loop alone, which {@link #destroy()} ends.
	 */
	public synchronized ReactorResourceFactory serverResources() {
		ReactorResourceFactory resources = this.serverResources;
		if (resources == null) {
			resources = new ReactorResourceFactory();
			resources.setUseGlobalResources(false);
			resources.setLoopResources(this.loops);
			// A server makes no client connections: a provider that pools nothing and holds nothing.
			resources.setConnectionProvider(ConnectionProvider.newConnection());
			resources.afterPropertiesSet();
			this.serverResources = resources;
		}
		return resources;
	}

	@Override
	public void destroy() {
		this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
	}

}
