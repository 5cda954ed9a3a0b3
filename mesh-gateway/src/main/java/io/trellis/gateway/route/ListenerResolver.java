package io.trellis.gateway.route;

import java.net.InetSocketAddress;

import org.springframework.web.server.ServerWebExchange;

/**
 * Tells which listener a request arrived on by the local port it arrived at: the inbound
 * listener's port is set once that server has bound; everything else is outbound.
 */
public class ListenerResolver {

	private volatile int inboundPort = -1;

	public void setInboundPort(int inboundPort) {
		this.inboundPort = inboundPort;
	}

	public Listener resolve(ServerWebExchange exchange) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		return (local != null && local.getPort() == this.inboundPort) ? Listener.INBOUND : Listener.OUTBOUND;
	}

}
