package io.trellis.gateway.route;

import java.net.InetSocketAddress;

import org.springframework.web.server.ServerWebExchange;

/**
 * Tells which listener a request arrived on by the local port it arrived at: the inbound
 * listener's port is set once that server has bound; everything else is outbound.
 */
public class ListenerResolver {

	private volatile int inboundPort = -1;

	private volatile int outboundPort = -1;

	/** Sets the outbound listener's port, once Spring Boot's server has bound. */
	public void setOutboundPort(int outboundPort) {
		this.outboundPort = outboundPort;
	}

	/** The outbound listener's port, -1 before it has bound. */
	public int outboundPort() {
		return this.outboundPort;
	}

	/** Whether the request came in on the inbound or the outbound listener (not the admin one). */
	public boolean isProxied(ServerWebExchange exchange) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		return local != null && (local.getPort() == this.inboundPort || local.getPort() == this.outboundPort);
	}

	public void setInboundPort(int inboundPort) {
		this.inboundPort = inboundPort;
	}

	/** The inbound listener's port, -1 before it has bound. */
	public int inboundPort() {
		return this.inboundPort;
	}

	public Listener resolve(ServerWebExchange exchange) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		return (local != null && local.getPort() == this.inboundPort) ? Listener.INBOUND : Listener.OUTBOUND;
	}

}
