package io.trellis.gateway.route;

import java.util.Locale;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.trellis.core.http.MeshHeaders;
import io.trellis.core.policy.ServiceNames;
import io.trellis.gateway.error.MeshError;
import io.trellis.gateway.error.MeshException;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Finds the destination service of an outbound request, in this order: the
 * {@link MeshHeaders#DESTINATION} header (sent by clients that cannot set {@code Host}), the
 * authority of an absolute-form request target (clients using the sidecar as their HTTP
 * proxy), then the {@code Host} header. The port, if any, is ignored: a service is reached on
 * its instances' sidecars whatever port the caller wrote.
 */
public final class DestinationResolver {

	private static final AsciiString DESTINATION_NAME = AsciiString.cached(MeshHeaders.DESTINATION);

	private DestinationResolver() {
	}

	/**
	 * The destination service.
	 * @throws MeshException ({@link MeshError#UNKNOWN_SERVICE}) when the request names none, or
	 * names something that cannot be a service
	 */
	public static String resolve(ServerHttpRequest request) {
		HttpHeaders headers = request.getHeaders();
		io.netty.handler.codec.http.HttpHeaders netty = NettyHeaders.readable(headers);
		String authority = (netty != null) ? netty.get(DESTINATION_NAME) : headers.getFirst(MeshHeaders.DESTINATION);
		if (authority == null) {
			authority = absoluteFormAuthority(request);
		}
		if (authority == null) {
			authority = (netty != null) ? netty.get(HttpHeaderNames.HOST) : headers.getFirst(HttpHeaders.HOST);
		}
		if (authority == null && request.getURI().getHost() != null) {
			authority = request.getURI().getRawAuthority();
		}
		if (authority == null || authority.isBlank()) {
			throw new MeshException(MeshError.UNKNOWN_SERVICE, null,
					"The request names no destination service: send it to http://<service>/... through the sidecar");
		}
		String host = hostOf(authority.trim()).toLowerCase(Locale.ROOT);
		if (!ServiceNames.isValid(host)) {
			throw new MeshException(MeshError.UNKNOWN_SERVICE, null, "'" + authority
					+ "' names no mesh service: the destination must be a service name such as http://orders/...");
		}
		return host;
	}

	static String hostOf(String authority) {
		int at = authority.lastIndexOf('@');
		String hostPort = (at >= 0) ? authority.substring(at + 1) : authority;
		if (hostPort.startsWith("[")) {
			int end = hostPort.indexOf(']');
			return (end > 0) ? hostPort.substring(0, end + 1) : hostPort;
		}
		int colon = hostPort.indexOf(':');
		return (colon >= 0) ? hostPort.substring(0, colon) : hostPort;
	}

	private static String absoluteFormAuthority(ServerHttpRequest request) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalStateException ex) {
			// A request that did not come from a server (a test's mock) has no request target.
			return null;
		}
		if (nativeRequest instanceof HttpServerRequest netty) {
			String target = netty.uri();
			int scheme = target.indexOf("://");
			if (scheme > 0 && scheme < 8) {
				int start = scheme + 3;
				int end = start;
				while (end < target.length() && "/?#".indexOf(target.charAt(end)) < 0) {
					end++;
				}
				return target.substring(start, end);
			}
		}
		return null;
	}

}
