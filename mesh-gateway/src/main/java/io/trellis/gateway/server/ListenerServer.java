package io.trellis.gateway.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
 * A listener of the sidecar besides Spring Boot's own web server (which is the outbound
 * listener): a Reactor Netty server on the same {@link HttpHandler} and, unless given resources of
 * its own, the same event loops, started
 * and stopped with the application context. Requests are told apart by the local port they
 * arrived on ({@link io.trellis.gateway.route.ListenerResolver}).
 */
public abstract class ListenerServer implements SmartLifecycle {

	private final Log logger = LogFactory.getLog(getClass());

	private final String name;

	/** The name as a message's first word. */
	private final String label;

	private final String address;

	private final int port;

	private final HttpHandler handler;

	private final ReactorResourceFactory resources;

	private final List<NettyServerCustomizer> customizers;

	private final Duration drain;

	private volatile WebServer server;

	/**
	 * @param name the listener's name in messages and its properties ({@code mesh.proxy.<name>.*})
	 * @param drain how long {@link #stop()} lets requests in flight finish; zero closes at once
	 */
	protected ListenerServer(String name, String address, int port, HttpHandler handler,
			ReactorResourceFactory resources, List<NettyServerCustomizer> customizers, Duration drain) {
		this.name = name;
		this.label = Character.toUpperCase(name.charAt(0)) + name.substring(1);
		this.address = address;
		this.port = port;
		this.handler = handler;
		this.resources = resources;
		this.customizers = customizers;
		this.drain = drain;
	}

	@Override
	public void start() {
		NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(this.port);
		try {
			factory.setAddress(InetAddress.getByName(this.address));
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("mesh.proxy." + this.name + ".address '" + this.address
					+ "' is not an address of this host", ex);
		}
		if (this.resources != null) {
			factory.setResourceFactory(this.resources);
		}
		factory.getServerCustomizers().addAll(this.customizers);
		factory.setShutdown(this.drain.isZero() ? Shutdown.IMMEDIATE : Shutdown.GRACEFUL);
		beforeBind(this.port);
		WebServer server = factory.getWebServer(this.handler);
		server.start();
		this.server = server;
		bound(server.getPort());
		this.logger.info(this.label + " listener on " + this.address + ":" + server.getPort());
	}

	/** Called before the server binds, with the configured port (0 for any free one). */
	protected void beforeBind(int configuredPort) {
	}

	/** Called once the server has bound, with the port it bound. */
	protected abstract void bound(int port);

	/** Lets requests in flight finish (up to the drain time), then closes the listener. */
	@Override
	public void stop() {
		WebServer server = this.server;
		if (server == null) {
			return;
		}
		if (!this.drain.isZero()) {
			CountDownLatch drained = new CountDownLatch(1);
			server.shutDownGracefully((result) -> drained.countDown());
			try {
				if (!drained.await(this.drain.toMillis(), TimeUnit.MILLISECONDS)) {
					this.logger.warn(this.label + " requests still in flight after " + this.drain.toSeconds()
							+ " s; closing the " + this.name + " listener anyway");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		server.stop();
		this.server = null;
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

}
