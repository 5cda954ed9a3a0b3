package io.trellis.gateway.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.trellis.gateway.SidecarProperties;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.route.ListenerResolver;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.server.reactive.HttpHandler;

/**
 * The inbound listener: a second Reactor Netty server on the same {@link HttpHandler} (and
 * event loops) as Spring Boot's own server, which is the outbound listener. Requests are told
 * apart by the local port they arrived on ({@link ListenerResolver}).
 */
public class InboundServer implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(InboundServer.class);

	private final HttpHandler handler;

	private final SidecarProperties.Inbound properties;

	private final ReactorResourceFactory resources;

	private final List<NettyServerCustomizer> customizers;

	private final ListenerResolver listeners;

	private final LocalInstance local;

	private volatile WebServer server;

	public InboundServer(HttpHandler handler, SidecarProperties.Inbound properties, ReactorResourceFactory resources,
			List<NettyServerCustomizer> customizers, ListenerResolver listeners, LocalInstance local) {
		this.handler = handler;
		this.properties = properties;
		this.resources = resources;
		this.customizers = customizers;
		this.listeners = listeners;
		this.local = local;
	}

	@Override
	public void start() {
		NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(this.properties.port());
		try {
			factory.setAddress(InetAddress.getByName(this.properties.address()));
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("mesh.proxy.inbound.address '" + this.properties.address()
					+ "' is not an address of this host", ex);
		}
		if (this.resources != null) {
			factory.setResourceFactory(this.resources);
		}
		factory.getServerCustomizers().addAll(this.customizers);
		factory.setShutdown(Shutdown.GRACEFUL);
		WebServer server = factory.getWebServer(this.handler);
		server.start();
		this.server = server;
		this.listeners.setInboundPort(server.getPort());
		this.local.setInboundPort(server.getPort());
		logger.info("Inbound listener on " + this.properties.address() + ":" + server.getPort());
	}

	/** Lets requests in flight finish (up to 10 s), then closes the listener. */
	@Override
	public void stop() {
		WebServer server = this.server;
		if (server != null) {
			CountDownLatch drained = new CountDownLatch(1);
			server.shutDownGracefully((result) -> drained.countDown());
			try {
				if (!drained.await(10, TimeUnit.SECONDS)) {
					logger.warn("Inbound requests still in flight after 10 s; closing the inbound listener anyway");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			server.stop();
			this.server = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.server != null;
	}

	/** The port the listener bound, or -1 when it is not running. */
	public int getPort() {
		WebServer server = this.server;
		return (server != null) ? server.getPort() : -1;
	}

	@Override
	public int getPhase() {
		// With Spring Boot's own web server, before everything that needs the inbound port.
		return SmartLifecycle.DEFAULT_PHASE - 2048;
	}

}
