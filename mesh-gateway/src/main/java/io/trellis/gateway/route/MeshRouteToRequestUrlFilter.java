package io.trellis.gateway.route;

import java.net.URI;

import io.trellis.gateway.loadbalancer.MeshLoadBalancerFilter;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

/**
 * Spring Cloud Gateway's filter that gives each request the URL it will be sent to (the route's
 * scheme, host and port with the request's path and query), in its place
 * ({@link GatewayFilterReplacements}) without its URI builder, which takes every request's URI
 * apart and builds it again. The sidecar's routes are of two shapes:
 * <ul>
 * <li>{@code mesh://service} (outbound): the request URL is the route's URI itself; the load
 * balancer ({@link MeshLoadBalancerFilter}) builds the URL sent on, with the request's path and
 * query, once it has chosen the endpoint;</li>
 * <li>{@code http://host:port} (inbound, to the app): the route's URI, parsed when the route was
 * made, with the request's raw path and query ({@link RequestUrls#onOrigin}); a path a relative
 * reference cannot carry is appended to the route's URI as text and parsed whole.</li>
 * </ul>
 * A route of any other shape (the sidecar makes none) goes the gateway's way.
 */
public class MeshRouteToRequestUrlFilter extends RouteToRequestUrlFilter {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (route == null) {
			return chain.filter(exchange);
		}
		URI url = requestUrl(route.getUri(), exchange.getRequest().getURI());
		if (url == null) {
			return super.filter(exchange, chain);
		}
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, url);
		return chain.filter(exchange);
	}

	/**
	 * The URL a request to {@code requestUri} on a route to {@code routeUri} is sent to, or null
	 * when the route is not of a shape this filter handles.
	 */
	static URI requestUrl(URI routeUri, URI requestUri) {
		String scheme = routeUri.getScheme();
		if (MeshLoadBalancerFilter.SCHEME.equals(scheme)) {
			return routeUri;
		}
		if (!("http".equals(scheme) || "https".equals(scheme)) || routeUri.getRawAuthority() == null
				|| routeUri.getRawUserInfo() != null || routeUri.getRawQuery() != null
				|| routeUri.getRawFragment() != null
				|| (routeUri.getRawPath() != null && !routeUri.getRawPath().isEmpty())) {
			return null;
		}
		URI url = RequestUrls.onOrigin(routeUri, requestUri);
		if (url != null) {
			return url;
		}
		String path = requestUri.getRawPath();
		String query = requestUri.getRawQuery();
		String text = scheme + "://" + routeUri.getRawAuthority() + ((path != null) ? path : "")
				+ ((query != null) ? "?" + query : "");
		try {
			return new URI(text);
		}
		catch (java.net.URISyntaxException ex) {
			return null;
		}
	}

}
