package io.trellis.gateway.route;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * The URL a request is sent on to: an origin already parsed (a route's {@code http://host:port},
 * an endpoint's, parsed when the route or the endpoint was made) with the request's raw path and
 * query. The origin is resolved against a relative reference of the path and query, so only they
 * are parsed per request, not the origin's host and port, which was about two thirds of parsing
 * the URL whole (bench/RESULTS.md, "Request URLs on origins parsed once").
 */
public final class RequestUrls {

	private RequestUrls() {
	}

	/**
	 * {@code origin} (scheme, authority, no path, query nor fragment) with {@code request}'s raw
	 * path and query, or null where a relative reference cannot carry the path as it is (empty,
	 * or starting with {@code //}, which would read as an authority): the caller then builds the
	 * URL whole.
	 */
	public static URI onOrigin(URI origin, URI request) {
		String path = request.getRawPath();
		if (path == null || path.isEmpty() || path.charAt(0) != '/' || (path.length() > 1 && path.charAt(1) == '/')) {
			return null;
		}
		String query = request.getRawQuery();
		try {
			return origin.resolve(new URI((query != null) ? path + "?" + query : path));
		}
		catch (URISyntaxException ex) {
			return null;
		}
	}

}
