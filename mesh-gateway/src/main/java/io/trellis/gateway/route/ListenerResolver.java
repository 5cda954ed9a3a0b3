package io.trellis.gateway.route;

import java.net.InetSocketAddress;

import org.springframework.web.server.ServerWebExchange;

/**
 * Tells which listener a request arrived on by the local port it arrived at. All three
 * listeners share one {@link org.springframework.http.server.reactive.HttpHandler}: the
 * inbound and admin listeners' ports are set as those servers bind; everything else is
 * outbound.
 */
public class ListenerResolver {

	private volatile int inboundPort = -1;

	private volatile int outboundPort = -1;

	private volatile int adminPort = -1;

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
		return resolve(exchange) != Listener.ADMIN;
	}

	public void setInboundPort(int inboundPort) {
		this.inboundPort = inboundPort;
	}

	/** The inbound listener's port, -1 before it has bound. */
	public int inboundPort() {
		return this.inboundPort;
	}

	public void setAdminPort(int adminPort) {
		this.adminPort = adminPort;
	}

	/** The admin listener's port, -1 before it is known. */
	public int adminPort() {
		return this.adminPort;
	}

	public Listener resolve(ServerWebExchange exchange) {
		InetSocketAddress local = exchange.getRequest().getLocalAddress();
		if (local == null) {
			return Listener.OUTBOUND;
		}
		int port = local.getPort();
		if (port == this.inboundPort) {
			return Listener.INBOUND;
		}
		return (port == this.adminPort) ? Listener.ADMIN : Listener.OUTBOUND;
	}

}
