package io.trellis.gateway.server;

import java.time.Duration;
import java.util.List;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.route.ListenerResolver;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The admin listener: actuator's endpoints and {@code /tap}, served from the sidecar's one
 * application context (no management child context). The mesh's route mapping answers nothing
 * on this port, so its requests go to actuator's mappings; on the other listeners the mesh's
 * mapping comes first, so an app's own {@code /actuator} paths are proxied as before, and no
 * other mapping is asked for a proxied request. Started before, and stopped after, the other
 * listeners, so that probes are answered while the inbound listener drains.
 * <p>
 * Given a {@link ControlLoop}, it accepts and serves its connections on the sidecar's control
 * thread, not on the event loop that proxies requests: a Prometheus scrape writes the whole
 * exposition at once, and a probe, an {@code /actuator/mesh} or a tap's subscription runs code
 * too rarely called to be compiled. Requests queued behind them on the event loop.
 */
public class AdminServer extends ListenerServer {

	private final ListenerResolver listeners;

	private AdminServer(HttpHandler handler, SidecarProperties.Admin properties, ReactorResourceFactory resources,
			List<NettyServerCustomizer> customizers, ListenerResolver listeners) {
		super("admin", properties.address(), properties.port(), handler, resources, customizers, Duration.ZERO);
		this.listeners = listeners;
	}

	/** The admin listener on the control thread of {@code loop}. */
	public AdminServer(HttpHandler handler, SidecarProperties.Admin properties, ControlLoop loop,
			List<NettyServerCustomizer> customizers, ListenerResolver listeners) {
		this(handler, properties, loop.serverResources(), customizers, listeners);
	}

	@Override
	protected void beforeBind(int configuredPort) {
		// A fixed port is known before the first connection can arrive; port 0 only once bound.
		if (configuredPort != 0) {
			this.listeners.setAdminPort(configuredPort);
		}
	}

	@Override
	protected void bound(int port) {
		this.listeners.setAdminPort(port);
	}

	@Override
	public int getPhase() {
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

}
