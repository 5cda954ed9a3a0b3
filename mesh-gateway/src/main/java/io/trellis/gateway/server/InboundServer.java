package io.trellis.gateway.server;

import java.time.Duration;
import java.util.List;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.route.ListenerResolver;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The inbound listener, for calls from other sidecars to the local app. On shutdown it lets
 * requests in flight finish (up to 10 s) before it closes.
 */
public class InboundServer extends ListenerServer {

	private final ListenerResolver listeners;

	private final LocalInstance local;

	public InboundServer(HttpHandler handler, SidecarProperties.Inbound properties, ReactorResourceFactory resources,
			List<NettyServerCustomizer> customizers, ListenerResolver listeners, LocalInstance local) {
		super("inbound", properties.address(), properties.port(), handler, resources, customizers,
				Duration.ofSeconds(10));
		this.listeners = listeners;
		this.local = local;
	}

	@Override
	protected void bound(int port) {
		this.listeners.setInboundPort(port);
		this.local.setInboundPort(port);
	}

	@Override
	public int getPhase() {
		// With Spring Boot's own web server, before everything that needs the inbound port.
		return SmartLifecycle.DEFAULT_PHASE - 2048;
	}

}
