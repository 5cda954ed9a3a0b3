package io.trellis.gateway.route;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.trellis.core.http.MeshHeaders;
import io.trellis.gateway.controlplane.LocalInstance;
import io.trellis.gateway.tracing.SidecarTracing;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The mesh's request headers, applied where Spring Cloud Gateway builds the headers it sends
 * upstream (so the request itself is not copied for them): an outbound call carries the
 * caller's identity in {@link MeshHeaders#SOURCE} and {@link MeshHeaders#SOURCE_INSTANCE},
 * replacing anything the app set, and loses the {@link MeshHeaders#DESTINATION} header and the
 * proxy headers of clients that use the sidecar as their HTTP proxy; an inbound call loses
 * {@link MeshHeaders#DESTINATION} too. Both carry what is left of the request's deadline in
 * {@link MeshHeaders#TIMEOUT} (and {@code grpc-timeout}, when the request has one), counted
 * down to the moment each try is sent.
 */
public class MeshHeadersFilter implements HttpHeadersFilter, Ordered {

	/**
	 * Runs after the hop-by-hop filter ({@link HopByHopHeadersFilter}), which hands on either a
	 * copy of the request's headers or, when it had nothing to remove, the request's own
	 * read-only headers. Those this filter edits through a writable view
	 * ({@code new HttpHeaders(input)} unwraps them) instead of copying them: the exchange needs
	 * neither the destination header nor the app's proxy headers after routing, and the edits
	 * are idempotent, so the filter can run again for a second try of the same request.
	 */
	public static final int ORDER = Ordered.LOWEST_PRECEDENCE;

	private static final AsciiString DESTINATION = AsciiString.cached(MeshHeaders.DESTINATION);

	private static final AsciiString TIMEOUT = AsciiString.cached(MeshHeaders.TIMEOUT);

	private static final AsciiString GRPC_TIMEOUT = AsciiString.cached(Deadlines.GRPC_TIMEOUT);

	private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

	private static final AsciiString SOURCE = AsciiString.cached(MeshHeaders.SOURCE);

	private static final AsciiString SOURCE_INSTANCE = AsciiString.cached(MeshHeaders.SOURCE_INSTANCE);

	private final LocalInstance local;

	private final SidecarTracing tracing;

	public MeshHeadersFilter(LocalInstance local) {
		this(local, null);
	}

	/**
	 * @param local who the sidecar speaks for
	 * @param tracing puts the context of the request's span on the request sent on, or null when
	 * the sidecar does not trace (the request's own trace headers then pass unchanged)
	 */
	public MeshHeadersFilter(LocalInstance local, SidecarTracing tracing) {
		this.local = local;
		this.tracing = tracing;
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		Listener listener = exchange.getAttribute(MeshExchangeAttributes.LISTENER_ATTR);
		if (listener == null) {
			return input;
		}
		HttpHeaders headers = (input == exchange.getRequest().getHeaders()) ? new HttpHeaders(input) : input;
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.of(headers);
		if (netty != null) {
			// The Netty map itself, by names that keep their hash (the usual case).
			netty.remove(DESTINATION);
			long left = Deadlines.millisLeft(exchange);
			if (left >= 0) {
				netty.set(TIMEOUT, Long.toString(left));
				if (netty.contains(GRPC_TIMEOUT)) {
					netty.set(GRPC_TIMEOUT, Math.min(left, 99_999_999) + "m");
				}
			}
			if (this.tracing != null) {
				this.tracing.inject(exchange, headers);
			}
			if (listener == Listener.OUTBOUND) {
				netty.remove(PROXY_CONNECTION);
				netty.remove(HttpHeaderNames.PROXY_AUTHORIZATION);
				netty.set(SOURCE, this.local.service());
				netty.set(SOURCE_INSTANCE, this.local.instanceId());
			}
			return headers;
		}
		removeIfPresent(headers, MeshHeaders.DESTINATION);
		long left = Deadlines.millisLeft(exchange);
		if (left >= 0) {
			// What is left of the deadline as this try is sent.
			headers.set(MeshHeaders.TIMEOUT, Long.toString(left));
			if (headers.containsHeader(Deadlines.GRPC_TIMEOUT)) {
				headers.set(Deadlines.GRPC_TIMEOUT, Math.min(left, 99_999_999) + "m");
			}
		}
		if (this.tracing != null) {
			this.tracing.inject(exchange, headers);
		}
		if (listener == Listener.OUTBOUND) {
			removeIfPresent(headers, "Proxy-Connection");
			removeIfPresent(headers, HttpHeaders.PROXY_AUTHORIZATION);
			headers.set(MeshHeaders.SOURCE, this.local.service());
			headers.set(MeshHeaders.SOURCE_INSTANCE, this.local.instanceId());
		}
		return headers;
	}

	/** Removes a header only when there (removing one returns its values, in a new list). */
	private static void removeIfPresent(HttpHeaders headers, String name) {
		if (headers.containsHeader(name)) {
			headers.remove(name);
		}
	}

	@Override
	public boolean supports(Type type) {
		return type == Type.REQUEST;
	}

}
