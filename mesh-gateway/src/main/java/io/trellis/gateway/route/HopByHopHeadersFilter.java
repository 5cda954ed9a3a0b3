package io.trellis.gateway.route;

import java.util.List;
import java.util.Set;

import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The gateway's hop-by-hop header filter without its cost on the common path. Spring Cloud
 * Gateway's filter copies every header of every request and response into a new map to drop the
 * few hop-by-hop ones. This one looks the hop-by-hop names up first (a handful of hashed lookups)
 * and, when one is there, removes them in place from headers the gateway already copied (the
 * upstream response's), copying only the request's own read-only headers. What it removes is
 * exactly what the gateway's removes: the configured names
 * ({@code spring.cloud.gateway.server.webflux.filter.remove-hop-by-hop.headers}) and those the
 * {@code Connection} header lists. {@link GatewayFilterReplacements} puts it in the place of the
 * gateway's bean.
 */
public class HopByHopHeadersFilter extends RemoveHopByHopHeadersFilter {

	@Override
	public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
		if (!input.containsHeader(HttpHeaders.CONNECTION) && !containsAny(input, getHeaders())) {
			return input;
		}
		if (input != exchange.getRequest().getHeaders()) {
			try {
				List<String> listed = input.getConnection();
				for (String name : getHeaders()) {
					input.remove(name);
				}
				for (String name : listed) {
					input.remove(name);
				}
				return input;
			}
			catch (UnsupportedOperationException ex) {
				// read-only headers of someone else's: copy them, as the gateway does
			}
		}
		return super.filter(input, exchange);
	}

	private static boolean containsAny(HttpHeaders headers, Set<String> names) {
		for (String name : names) {
			if (headers.containsHeader(name)) {
				return true;
			}
		}
		return false;
	}

}
