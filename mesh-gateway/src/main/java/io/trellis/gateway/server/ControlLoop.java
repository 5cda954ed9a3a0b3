package io.trellis.gateway.server;

import java.time.Duration;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;

/**
 * The sidecar's own I/O thread for what is not the traffic it carries: its calls to the control
 * plane (watch, policy, registration, heartbeats, sync and traffic reports), the local app's
 * readiness checks and the destinations' active health checks. As Envoy keeps xDS, health
 * checking and its admin interface on its main thread, away from the workers, these calls do
 * not run on the event loop that proxies requests, where each took that loop for a
 * millisecond or more at a time (a readiness check that fails, a JSON report written through
 * Spring's WebClient, code too rarely run to be compiled) while requests queued behind it.
 * <p>
 * One thread ({@code trellis-control-*}), made when the sidecar starts and stopped with it.
 */
public class ControlLoop implements DisposableBean {

	/** Prefix of the thread's name. */
	public static final String THREAD_PREFIX = "trellis-control";

	private final LoopResources loops = LoopResources.create(THREAD_PREFIX, 1, true);

	/** {@code client} with its connections on the control thread. */
	public HttpClient runOn(HttpClient client) {
		return client.runOn(this.loops);
	}

	@Override
	public void destroy() {
		this.loops.disposeLater(Duration.ZERO, Duration.ofSeconds(2)).block(Duration.ofSeconds(5));
	}

}
