package io.trellis.gateway.telemetry;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.gateway.route.ListenerResolver;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Counts the connections open on the inbound and outbound listeners
 * ({@code trellis.connections.open{listener}}), told apart by the local port they were accepted
 * on; connections of other servers (the admin listener) are not counted.
 */
public class ListenerConnections implements NettyServerCustomizer, ApplicationListener<WebServerInitializedEvent> {

	private final AtomicInteger inbound = new AtomicInteger();

	private final AtomicInteger outbound = new AtomicInteger();

	private final ListenerResolver listeners;

	public ListenerConnections(ListenerResolver listeners, MeterRegistry meters) {
		this.listeners = listeners;
		if (meters != null) {
			Gauge.builder("trellis.connections.open", this.inbound, AtomicInteger::get)
				.tag("listener", "inbound")
				.description("Connections open on the listener")
				.register(meters);
			Gauge.builder("trellis.connections.open", this.outbound, AtomicInteger::get)
				.tag("listener", "outbound")
				.description("Connections open on the listener")
				.register(meters);
		}
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getApplicationContext().getServerNamespace() == null) {
			this.listeners.setOutboundPort(event.getWebServer().getPort());
		}
	}

	@Override
	public HttpServer apply(HttpServer server) {
		return server.doOnChannelInit((observer, channel, remote) -> {
			AtomicInteger count = counter(channel.localAddress());
			if (count != null) {
				count.incrementAndGet();
				channel.closeFuture().addListener((future) -> count.decrementAndGet());
			}
		});
	}

	private AtomicInteger counter(SocketAddress address) {
		if (!(address instanceof InetSocketAddress local)) {
			return null;
		}
		int port = local.getPort();
		if (port == this.listeners.inboundPort()) {
			return this.inbound;
		}
		return (port == this.listeners.outboundPort()) ? this.outbound : null;
	}

	public int open(boolean inbound) {
		return (inbound ? this.inbound : this.outbound).get();
	}

}
